package org.v2vwrapper.convert;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class OpenstackImagePropertiesTest {
    private static final GuestHardware HW = new GuestHardware("web01", 4L << 30, 4, 2, Firmware.BIOS,
            List.of(new GuestDisk(2000, 1L << 30, "[ds] web01/web01.vmdk", DiskBus.SCSI)), List.of());

    @Test
    void thePhonyWindowsGuestAsVirtV2vConvertedIt() {
        OsFacts os = new OsFacts("windows", "windows", 6, 1, "i386", "Microsoft Windows 7 Phony Edition", "", "win7", "");
        GuestCaps caps = new GuestCaps(GuestCaps.BlockBus.IDE, GuestCaps.NetModel.RTL8139, GuestCaps.Machine.Q35,
                false, false, "x86_64");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("architecture", "x86_64");
        expected.put("hypervisor_type", "kvm");
        expected.put("vm_mode", "hvm");
        expected.put("hw_disk_bus", "ide");
        expected.put("hw_vif_model", "rtl8139");
        expected.put("hw_video_model", "vga");
        expected.put("hw_machine_type", "q35");
        expected.put("os_type", "windows");
        expected.put("os_distro", "windows");
        expected.put("hw_cpu_sockets", "2");
        expected.put("hw_cpu_cores", "2");
        expected.put("hw_cpu_threads", "1");
        expected.put("os_version", "6.1");
        Map<String, String> actual = OpenstackImageProperties.of(HW, os, caps, false);
        assertEquals(expected, actual);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "virt-v2v's order");
    }

    @Test
    void virtioScsiRngUefiAndRenamedDistros() {
        OsFacts os = new OsFacts("linux", "sles", 15, 0, "x86_64", "SUSE Linux Enterprise Server 15", "", "sles15", "uefi");
        GuestCaps caps = new GuestCaps(GuestCaps.BlockBus.VIRTIO_SCSI, GuestCaps.NetModel.VIRTIO_NET,
                GuestCaps.Machine.I440FX, true, true, "");
        Map<String, String> p = OpenstackImageProperties.of(HW, os, caps, true);
        assertEquals("scsi", p.get("hw_disk_bus"));
        assertEquals("virtio-scsi", p.get("hw_scsi_model"));
        assertEquals("virtio", p.get("hw_vif_model"));
        assertEquals("pc", p.get("hw_machine_type"));
        assertEquals("sled", p.get("os_distro"));
        assertEquals("15", p.get("os_version"));
        assertEquals("virtio", p.get("hw_rng_model"));
        assertEquals("uefi", p.get("hw_firmware_type"));
        assertEquals("x86_64", p.get("architecture"), "from the facts when the caps have no arch");

        OsFacts arch = new OsFacts("linux", "archlinux", 0, 0, "x86_64", "", "", "", "");
        Map<String, String> q = OpenstackImageProperties.of(HW, arch, caps, false);
        assertEquals("arch", q.get("os_distro"));
        assertFalse(q.containsKey("os_version"), "0.0 means unknown");
        assertFalse(q.containsKey("hw_firmware_type"));
        assertEquals("virtio", OpenstackImageProperties.of(HW, arch, new GuestCaps(GuestCaps.BlockBus.VIRTIO_BLK,
                GuestCaps.NetModel.E1000, GuestCaps.Machine.Q35, false, false, "x86_64"), false).get("hw_disk_bus"));
    }
}
