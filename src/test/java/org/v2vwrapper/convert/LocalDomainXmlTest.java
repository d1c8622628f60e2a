package org.v2vwrapper.convert;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.NetworkMapping;
import org.w3c.dom.Document;

import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LocalDomainXmlTest {
    private static final GuestHardware HW = new GuestHardware("web01", 2L << 30, 2, 1, Firmware.UEFI,
            List.of(new GuestDisk(2000, 1L << 30, "[ds] web01/web01.vmdk", DiskBus.SCSI),
                    new GuestDisk(2001, 1L << 30, "[ds] web01/web01_1.vmdk", DiskBus.SCSI)),
            List.of(new GuestNic("00:50:56:aa:bb:01", "VM Network"), new GuestNic("00:50:56:aa:bb:02", "VM Network"),
                    new GuestNic("00:50:56:aa:bb:03", "backup")));
    private static final GuestCaps VIRTIO = new GuestCaps(GuestCaps.BlockBus.VIRTIO_BLK, GuestCaps.NetModel.VIRTIO_NET,
            GuestCaps.Machine.Q35, true, true, "x86_64");
    private static final List<NetworkMapping> MAPPINGS = List.of(
            new NetworkMapping("VM Network", "br0", Optional.empty(), Optional.empty()),
            new NetworkMapping("VM Network", "br-special", Optional.of("00:50:56:AA:BB:02"), Optional.empty()));

    private static String x(Document doc, String expr) throws Exception {
        return (String) XPathFactory.newInstance().newXPath().evaluate(expr, doc, XPathConstants.STRING);
    }

    @Test
    void aKvmGuestWithVirtioDevicesOnTheMappedBridges(@TempDir Path dir) throws Exception {
        List<Path> disks = List.of(dir.resolve("web01-sda"), dir.resolve("web01-sdb"));
        Path file = LocalDomainXml.write(dir, HW, VIRTIO, true, disks, MAPPINGS);
        assertEquals(dir.resolve("web01.xml"), file);
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Document doc;
        try (InputStream in = Files.newInputStream(file)) {
            doc = XmlDocuments.parse(in);
        }
        assertEquals("kvm", x(doc, "/domain/@type"));
        assertEquals("2097152", x(doc, "/domain/memory"));
        assertEquals("2", x(doc, "/domain/vcpu"));
        assertEquals("efi", x(doc, "/domain/os/@firmware"));
        assertEquals("q35", x(doc, "/domain/os/type/@machine"));
        assertEquals(dir.resolve("web01-sdb").toString(), x(doc, "/domain/devices/disk[2]/source/@file"));
        assertEquals("vdb", x(doc, "/domain/devices/disk[2]/target/@dev"));
        assertEquals("virtio", x(doc, "/domain/devices/disk[2]/target/@bus"));
        assertEquals("br0", x(doc, "/domain/devices/interface[1]/source/@bridge"));
        assertEquals("br-special", x(doc, "/domain/devices/interface[2]/source/@bridge"), "the MAC mapping wins");
        assertEquals("backup", x(doc, "/domain/devices/interface[3]/source/@bridge"), "unmapped keeps its name");
        assertEquals("00:50:56:aa:bb:03", x(doc, "/domain/devices/interface[3]/mac/@address"));
        assertEquals("virtio", x(doc, "/domain/devices/interface[1]/model/@type"));
        assertEquals("virtio", x(doc, "/domain/devices/rng/@model"));
        assertEquals("virtio", x(doc, "/domain/devices/memballoon/@model"));

        Tools.Result r = Tools.validateDomain(file);
        assertEquals(0, r.exitCode(), r.output());
    }

    @Test
    void followsTheCapsOfAGuestWithoutVirtioDrivers(@TempDir Path dir) throws Exception {
        GuestCaps emulated = new GuestCaps(GuestCaps.BlockBus.IDE, GuestCaps.NetModel.RTL8139, GuestCaps.Machine.Q35,
                false, false, "x86_64");
        GuestHardware bios = new GuestHardware("win7", 1L << 30, 1, 1, Firmware.BIOS, HW.disks(), HW.nics());
        Path file = LocalDomainXml.write(dir, bios, emulated, false,
                List.of(dir.resolve("win7-sda"), dir.resolve("win7-sdb")), List.of());
        Document doc;
        try (InputStream in = Files.newInputStream(file)) {
            doc = XmlDocuments.parse(in);
        }
        assertEquals("bios", x(doc, "/domain/os/@firmware"));
        // q35 has no IDE controller: SATA, as virt-v2v 2.2's -o local writes this guest
        assertEquals("sdb", x(doc, "/domain/devices/disk[2]/target/@dev"));
        assertEquals("sata", x(doc, "/domain/devices/disk[2]/target/@bus"));
        assertEquals("rtl8139", x(doc, "/domain/devices/interface[1]/model/@type"));
        assertEquals("0", x(doc, "count(/domain/devices/rng)"));
        assertEquals("none", x(doc, "/domain/devices/memballoon/@model"));
        Tools.Result r = Tools.validateDomain(file);
        assertEquals(0, r.exitCode(), r.output());

        GuestCaps scsi = new GuestCaps(GuestCaps.BlockBus.VIRTIO_SCSI, GuestCaps.NetModel.E1000, GuestCaps.Machine.I440FX,
                false, false, "x86_64");
        Path scsiFile = LocalDomainXml.write(dir, bios, scsi, false,
                List.of(dir.resolve("win7-sda"), dir.resolve("win7-sdb")), List.of());
        try (InputStream in = Files.newInputStream(scsiFile)) {
            doc = XmlDocuments.parse(in);
        }
        assertEquals("virtio-scsi", x(doc, "/domain/devices/controller[@type='scsi']/@model"));
        assertEquals("sdb", x(doc, "/domain/devices/disk[2]/target/@dev"));
        assertEquals("pc", x(doc, "/domain/os/type/@machine"));
        r = Tools.validateDomain(scsiFile);
        assertEquals(0, r.exitCode(), r.output());

        GuestCaps ideOnPc = new GuestCaps(GuestCaps.BlockBus.IDE, GuestCaps.NetModel.RTL8139, GuestCaps.Machine.I440FX,
                false, false, "x86_64");
        doc = LocalDomainXml.build(bios, ideOnPc, false, List.of(dir.resolve("win7-sda"), dir.resolve("win7-sdb")),
                List.of());
        assertEquals("hdb", x(doc, "/domain/devices/disk[2]/target/@dev"), "i440fx has IDE");
        assertEquals("ide", x(doc, "/domain/devices/disk[2]/target/@bus"));
    }

    @Test
    void refusesAMismatchedNumberOfDisks(@TempDir Path dir) {
        assertThrows(IllegalArgumentException.class,
                () -> LocalDomainXml.build(HW, VIRTIO, false, List.of(dir.resolve("a")), List.of()));
    }
}
