package org.v2vwrapper.convert;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The image properties set on the boot volume, as virt-v2v's {@code -o openstack} sets them
 * ({@code output/openstack_image_properties.ml}; only the first disk gets them), so Nova boots the
 * converted guest with the devices it has drivers for.
 */
public final class OpenstackImageProperties {
    private OpenstackImageProperties() {
    }

    /**
     * @param hw   the source VM (CPU topology; the conversion XML always carries one, so sockets, cores and
     *             threads are all set, as virt-v2v does when the source has a topology)
     * @param os   the inspector's facts
     * @param caps what virt-v2v made the guest able to drive
     * @param uefi whether the converted guest boots with UEFI
     */
    public static Map<String, String> of(GuestHardware hw, OsFacts os, GuestCaps caps, boolean uefi) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("architecture", caps.arch().isEmpty() ? os.arch() : caps.arch());
        p.put("hypervisor_type", "kvm");
        p.put("vm_mode", "hvm");
        p.put("hw_disk_bus", switch (caps.blockBus()) {
            case VIRTIO_BLK -> "virtio";
            case VIRTIO_SCSI -> "scsi";
            case IDE -> "ide";
        });
        p.put("hw_vif_model", caps.netModel().libvirtModel());
        p.put("hw_video_model", "vga");
        p.put("hw_machine_type", caps.machine().qemuName());
        p.put("os_type", os.type());
        p.put("os_distro", switch (os.distro()) {
            // https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html
            case "archlinux" -> "arch";
            case "sles" -> "sled";
            default -> os.distro();
        });
        p.put("hw_cpu_sockets", Integer.toString(hw.sockets()));
        p.put("hw_cpu_cores", Integer.toString(hw.coresPerSocket()));
        p.put("hw_cpu_threads", "1");
        if (caps.blockBus() == GuestCaps.BlockBus.VIRTIO_SCSI) {
            p.put("hw_scsi_model", "virtio-scsi");
        }
        if (os.majorVersion() != 0 || os.minorVersion() != 0) {
            p.put("os_version", os.minorVersion() == 0 ? Integer.toString(os.majorVersion())
                    : os.majorVersion() + "." + os.minorVersion());
        }
        if (caps.virtioRng()) {
            p.put("hw_rng_model", "virtio");
        }
        if (uefi) {
            p.put("hw_firmware_type", "uefi");
        }
        return p;
    }
}
