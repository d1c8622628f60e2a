package org.v2vwrapper.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConversionDomainXmlTest {
    static final GuestHardware WEB01 = new GuestHardware("web01", 3L << 30, 4, 2, Firmware.UEFI,
            List.of(new GuestDisk(2000, 512L << 20, "[datastore1] web01/web01.vmdk", DiskBus.SCSI),
                    new GuestDisk(2001, 32L << 20, "[datastore1] web01/web01_1.vmdk", DiskBus.SCSI),
                    new GuestDisk(3000, 1L << 30, "[datastore1] web01/web01_2.vmdk", DiskBus.SATA)),
            List.of(new GuestNic("00:50:56:AA:BB:CC", "VM Network"), new GuestNic("00:50:56:aa:bb:cd", "Storage & DMZ")));

    static final List<DiskDestination> DESTS = List.of(
            DiskDestination.block(Path.of("/dev/disk/by-id/virtio-3d6e1a2b-0d1e-4a6f-8")),
            DiskDestination.block(Path.of("/dev/disk/by-id/virtio-aa11bb22-0d1e-4a6f-8")),
            DiskDestination.file(Path.of("/var/tmp/out/web01-sdc")));

    private static String xpath(Document doc, String expr) throws Exception {
        XPath x = XPathFactory.newInstance().newXPath();
        return (String) x.evaluate(expr, doc, XPathConstants.STRING);
    }

    private static Document parsed(String text) throws Exception {
        return XmlDocuments.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void describesTheVmWithItsDisksReplacedByTheCopies() throws Exception {
        Document doc = parsed(ConversionDomainXml.text(WEB01, DESTS));
        assertEquals("vmware", xpath(doc, "/domain/@type"));
        assertEquals("web01", xpath(doc, "/domain/name"));
        assertEquals("3145728", xpath(doc, "/domain/memory"));
        assertEquals("KiB", xpath(doc, "/domain/memory/@unit"));
        assertEquals("4", xpath(doc, "/domain/vcpu"));
        assertEquals("efi", xpath(doc, "/domain/os/@firmware"));
        assertEquals("2", xpath(doc, "/domain/cpu/topology/@sockets"));
        assertEquals("2", xpath(doc, "/domain/cpu/topology/@cores"));
        assertEquals("3", xpath(doc, "count(/domain/devices/disk[@device='disk'])"));
        assertEquals("block", xpath(doc, "/domain/devices/disk[1]/@type"));
        assertEquals("/dev/disk/by-id/virtio-3d6e1a2b-0d1e-4a6f-8", xpath(doc, "/domain/devices/disk[1]/source/@dev"));
        assertEquals("raw", xpath(doc, "/domain/devices/disk[1]/driver/@type"));
        assertEquals("sda", xpath(doc, "/domain/devices/disk[1]/target/@dev"));
        assertEquals("sdb", xpath(doc, "/domain/devices/disk[2]/target/@dev"));
        assertEquals("scsi", xpath(doc, "/domain/devices/disk[2]/target/@bus"));
        assertEquals("file", xpath(doc, "/domain/devices/disk[3]/@type"));
        assertEquals("/var/tmp/out/web01-sdc", xpath(doc, "/domain/devices/disk[3]/source/@file"));
        assertEquals("sata", xpath(doc, "/domain/devices/disk[3]/target/@bus"));
        assertEquals("sdc", xpath(doc, "/domain/devices/disk[3]/target/@dev"), "SCSI and SATA share sdX");
        assertEquals("bridge", xpath(doc, "/domain/devices/interface[1]/@type"));
        assertEquals("00:50:56:aa:bb:cc", xpath(doc, "/domain/devices/interface[1]/mac/@address"));
        assertEquals("VM Network", xpath(doc, "/domain/devices/interface[1]/source/@bridge"));
        assertEquals("Storage & DMZ", xpath(doc, "/domain/devices/interface[2]/source/@bridge"));
    }

    @Test
    void biosIsSaidExplicitly() throws Exception {
        GuestHardware bios = new GuestHardware("db", 1L << 30, 1, 1, Firmware.BIOS, WEB01.disks().subList(0, 1), List.of());
        Document doc = ConversionDomainXml.build(bios, DESTS.subList(0, 1));
        assertEquals("bios", xpath(doc, "/domain/os/@firmware"));
        assertEquals("0", xpath(doc, "count(/domain/devices/interface)"));
    }

    @Test
    void oddMemoryRoundsUpToWholeKib() throws Exception {
        GuestHardware hw = new GuestHardware("m", 1025, 1, 1, Firmware.BIOS, WEB01.disks().subList(0, 1), List.of());
        assertEquals("2", xpath(ConversionDomainXml.build(hw, DESTS.subList(0, 1)), "/domain/memory"));
    }

    @Test
    void refusesAMismatchedNumberOfDestinations() {
        assertThrows(IllegalArgumentException.class, () -> ConversionDomainXml.build(WEB01, DESTS.subList(0, 2)));
    }

    @Test
    void libvirtsSchemaAcceptsIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("web01.xml");
        // The schema allows fewer characters in a bridge name than vSphere in a port group name (see the class).
        GuestHardware plainNames = new GuestHardware(WEB01.name(), WEB01.memoryBytes(), WEB01.vcpus(),
                WEB01.coresPerSocket(), WEB01.firmware(), WEB01.disks(),
                List.of(new GuestNic("00:50:56:aa:bb:cc", "VM Network"), new GuestNic("00:50:56:aa:bb:cd", "dmz-10.2")));
        ConversionDomainXml.write(file, plainNames, DESTS);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Tools.Result r = Tools.validateDomain(file);
        assertEquals(0, r.exitCode(), r.output());
    }

    @Test
    void schemaCheckCanFail(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.xml");
        Files.writeString(file, ConversionDomainXml.text(WEB01, DESTS).replace("<vcpu>4</vcpu>", "<vcpu>four</vcpu>"));
        assertTrue(Tools.validateDomain(file).exitCode() != 0);
    }

    /**
     * The real virt-v2v-in-place reads it as intended: {@code --print-source} parses the XML (no appliance, ~2 s)
     * and prints what it understood.
     */
    @Test
    void virtV2vInPlaceReadsTheSourceFromIt(@TempDir Path dir) throws Exception {
        Tools.assumeInstalled("virt-v2v-in-place");
        Path disk1 = Files.createFile(dir.resolve("web01-sda"));
        Path disk2 = Files.createFile(dir.resolve("web01-sdb"));
        Path disk3 = Files.createFile(dir.resolve("web01-sdc"));
        Path xml = dir.resolve("web01.xml");
        ConversionDomainXml.write(xml, WEB01, List.of(DiskDestination.file(disk1), DiskDestination.file(disk2),
                DiskDestination.file(disk3)));
        Tools.Result r = Tools.run(120, "virt-v2v-in-place", "-i", "libvirtxml", xml.toString(), "--print-source");
        assertEquals(0, r.exitCode(), r.output());
        String out = r.output();
        assertTrue(out.matches("(?s).*source name: web01\n.*"), out);
        assertTrue(out.contains("hypervisor type: vmware"), out);
        assertTrue(out.contains("memory: 3221225472 (bytes)"), out);
        assertTrue(out.contains("nr vCPUs: 4"), out);
        assertTrue(out.contains("CPU topology: sockets: 2 cores/socket: 2 threads/core: 1"), out);
        assertTrue(out.contains("firmware: uefi"), out);
        assertTrue(out.matches("(?s).*disks:\n\t0 \\[scsi]\n\t1 \\[scsi]\n\t2 \\[sata]\n.*"), out);
        assertTrue(out.contains("Bridge \"VM Network\" mac: 00:50:56:aa:bb:cc"), out);
        assertTrue(out.contains("Bridge \"Storage & DMZ\" mac: 00:50:56:aa:bb:cd"), out);
    }
}
