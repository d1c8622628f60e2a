package org.v2vwrapper.convert;

import org.v2vwrapper.request.NetworkMapping;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The libvirt domain XML of the converted guest that {@code local_output_dir} gets beside its disks
 * ({@code <local_output_dir>/<vm_name>.xml}, usable with {@code virsh define}), shaped like the one virt-v2v's
 * {@code -o local} writes: a KVM domain with the source's memory, CPUs and firmware, the disks as raw files on
 * the bus virt-v2v chose (virtio-blk when the guest has the drivers; IDE becomes SATA on q35, as virt-v2v writes it), the NICs with their MACs on the mapped
 * bridge, with the model virt-v2v chose.
 */
public final class LocalDomainXml {
    private LocalDomainXml() {
    }

    /**
     * @param disks    the converted disk files, in the source's order
     * @param mappings the run's network mappings: a NIC's bridge is the destination of the mapping that names
     *                 its MAC, else of the one that names its network, else its source network's name
     */
    public static Document build(GuestHardware hw, GuestCaps caps, boolean uefi, List<Path> disks,
                                 List<NetworkMapping> mappings) {
        if (disks.size() != hw.disks().size()) {
            throw new IllegalArgumentException("the VM " + hw.name() + " has " + hw.disks().size() + " disks but "
                    + disks.size() + " converted disk files were given");
        }
        Document doc = XmlDocuments.newDocument();
        Element domain = doc.createElement("domain");
        domain.setAttribute("type", "kvm");
        doc.appendChild(domain);
        XmlDocuments.textChild(domain, "name", hw.name());
        String kib = Long.toString(ConversionDomainXml.kib(hw.memoryBytes()));
        XmlDocuments.textChild(domain, "memory", kib, "unit", "KiB");
        XmlDocuments.textChild(domain, "currentMemory", kib, "unit", "KiB");
        XmlDocuments.textChild(domain, "vcpu", Integer.toString(hw.vcpus()));
        Element os = XmlDocuments.child(domain, "os", "firmware", uefi ? "efi" : "bios");
        String arch = caps.arch().isEmpty() ? "x86_64" : caps.arch();
        XmlDocuments.textChild(os, "type", "hvm", "arch", arch, "machine", caps.machine().qemuName());
        Element features = XmlDocuments.child(domain, "features");
        XmlDocuments.child(features, "acpi");
        XmlDocuments.child(features, "apic");
        Element cpu = XmlDocuments.child(domain, "cpu");
        XmlDocuments.child(cpu, "topology", "sockets", Integer.toString(hw.sockets()),
                "cores", Integer.toString(hw.coresPerSocket()), "threads", "1");
        XmlDocuments.textChild(domain, "on_poweroff", "destroy");
        XmlDocuments.textChild(domain, "on_reboot", "restart");
        XmlDocuments.textChild(domain, "on_crash", "restart");
        Element devices = XmlDocuments.child(domain, "devices");
        DiskBus bus = switch (caps.blockBus()) {
            case VIRTIO_BLK -> DiskBus.VIRTIO;
            case VIRTIO_SCSI -> DiskBus.SCSI;
            // q35 has no IDE controller (libvirt refuses an IDE disk there): virt-v2v 2.2's own -o local puts
            // such a guest's disks on SATA, sda, sdb … (src/test/resources/fixtures/real-v2v/local-2disks-verbose.stderr).
            case IDE -> caps.machine() == GuestCaps.Machine.Q35 ? DiskBus.SATA : DiskBus.IDE;
        };
        if (caps.blockBus() == GuestCaps.BlockBus.VIRTIO_SCSI) {
            XmlDocuments.child(devices, "controller", "type", "scsi", "index", "0", "model", "virtio-scsi");
        }
        for (int i = 0; i < disks.size(); i++) {
            Element d = XmlDocuments.child(devices, "disk", "type", "file", "device", "disk");
            XmlDocuments.child(d, "driver", "name", "qemu", "type", "raw");
            XmlDocuments.child(d, "source", "file", disks.get(i).toAbsolutePath().toString());
            XmlDocuments.child(d, "target", "dev", bus.deviceName(i), "bus", bus.libvirtName());
        }
        for (GuestNic nic : hw.nics()) {
            Element n = XmlDocuments.child(devices, "interface", "type", "bridge");
            XmlDocuments.child(n, "mac", "address", nic.macAddress());
            XmlDocuments.child(n, "source", "bridge", destinationOf(nic, mappings));
            XmlDocuments.child(n, "model", "type", caps.netModel().libvirtModel());
        }
        Element video = XmlDocuments.child(devices, "video");
        XmlDocuments.child(video, "model", "type", "vga", "vram", "16384", "heads", "1");
        XmlDocuments.child(devices, "graphics", "type", "vnc", "autoport", "yes");
        XmlDocuments.child(devices, "input", "type", "tablet", "bus", "usb");
        Element serial = XmlDocuments.child(devices, "serial", "type", "pty");
        XmlDocuments.child(serial, "target", "port", "0");
        if (caps.virtioRng()) {
            Element rng = XmlDocuments.child(devices, "rng", "model", "virtio");
            XmlDocuments.textChild(rng, "backend", "/dev/urandom", "model", "random");
        }
        if (caps.virtioBalloon()) {
            XmlDocuments.child(devices, "memballoon", "model", "virtio");
        } else {
            XmlDocuments.child(devices, "memballoon", "model", "none");
        }
        return doc;
    }

    static String destinationOf(GuestNic nic, List<NetworkMapping> mappings) {
        Optional<NetworkMapping> byMac = mappings.stream()
                .filter(m -> m.macAddress().map(mac -> mac.equalsIgnoreCase(nic.macAddress())).orElse(false))
                .findFirst();
        return byMac.or(() -> mappings.stream().filter(m -> m.source().equals(nic.networkName())).findFirst())
                .map(NetworkMapping::destination).orElse(nic.networkName());
    }

    public static String text(GuestHardware hw, GuestCaps caps, boolean uefi, List<Path> disks,
                              List<NetworkMapping> mappings) {
        return XmlDocuments.toText(build(hw, caps, uefi, disks, mappings));
    }

    /** Writes {@code <dir>/<vm name>.xml} atomically (mode 0644, as virt-v2v's -o local) and returns its path. */
    public static Path write(Path dir, GuestHardware hw, GuestCaps caps, boolean uefi, List<Path> disks,
                             List<NetworkMapping> mappings) throws IOException {
        Path file = dir.resolve(hw.name() + ".xml");
        XmlDocuments.write(file, text(hw, caps, uefi, disks, mappings), true);
        return file;
    }
}
