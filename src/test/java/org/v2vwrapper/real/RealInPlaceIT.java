package org.v2vwrapper.real;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.convert.ConversionCommand;
import org.v2vwrapper.convert.ConversionDomainXml;
import org.v2vwrapper.convert.DiskBus;
import org.v2vwrapper.convert.DiskDestination;
import org.v2vwrapper.convert.Firmware;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.GuestDisk;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.GuestNic;
import org.v2vwrapper.convert.InspectorXml;
import org.v2vwrapper.convert.LocalDomainXml;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.convert.OvirtOsType;
import org.v2vwrapper.convert.TwoPhaseCommands;
import org.v2vwrapper.request.NetworkMapping;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The 2.x conversion half of two-phase with the REAL virt-v2v-in-place and virt-v2v-inspector 2.2 on copies of
 * the phony Windows test guest (docs/test-guest.md), as if the pre-copy had just written them to
 * {@code local_output_dir}: the domain XML of {@link ConversionDomainXml}, the command of
 * {@link TwoPhaseCommands#inPlace}, the guest caps from its log, the inspector's facts, the local XML.
 * About 2–3 minutes on 2 cores without KVM.
 */
class RealInPlaceIT {
    private static final Path IN_PLACE = Path.of("/usr/bin/virt-v2v-in-place");
    private static final Path INSPECTOR = Path.of("/usr/bin/virt-v2v-inspector");
    private static final long TIMEOUT_S = 900;

    @TempDir
    Path tmp;

    @BeforeAll
    static void guest() throws Exception {
        assumeTrue(Files.isExecutable(IN_PLACE), IN_PLACE + " is not installed");
        assumeTrue(Files.isExecutable(INSPECTOR), INSPECTOR + " is not installed");
        RealGuest.dir();
    }

    private int run(ConversionCommand c, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(c.argv()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(c.environment());
        // As docs/test-guest.md: KVM hangs the appliance on these machines.
        pb.environment().putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
            throw new IOException(c.argv().get(0) + " did not finish within " + TIMEOUT_S + " s");
        }
        return p.exitValue();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void sparseCopy(Path from, Path to) throws Exception {
        Process p = new ProcessBuilder("cp", "--sparse=always", from.toString(), to.toString()).inheritIO().start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "cp " + from);
    }

    @Test
    void convertsTheCopiedDisksInPlaceAndDescribesTheResult() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("out"));
        Path logs = Files.createDirectory(tmp.resolve("logs"));
        Path sda = out.resolve("web01-sda");
        Path sdb = out.resolve("web01-sdb");
        sparseCopy(RealGuest.image("windows.img"), sda);
        sparseCopy(RealGuest.image("data.img"), sdb);
        String before = sha256(sda);

        GuestHardware hw = new GuestHardware("web01", 2L << 30, 2, 1, Firmware.BIOS,
                List.of(new GuestDisk(2000, Files.size(sda), "[datastore1] web01/web01.vmdk", DiskBus.SCSI),
                        new GuestDisk(2001, Files.size(sdb), "[datastore1] web01/web01_1.vmdk", DiskBus.SCSI)),
                List.of(new GuestNic("00:50:56:aa:bb:cc", "VM Network")));
        List<NetworkMapping> mappings = List.of(new NetworkMapping("VM Network", "br0", Optional.empty(), Optional.empty()));
        Path xml = tmp.resolve("web01.xml");
        ConversionDomainXml.write(xml, hw, List.of(DiskDestination.file(sda), DiskDestination.file(sdb)));

        ConversionCommand inPlace = TwoPhaseCommands.inPlace(IN_PLACE, logs, xml,
                org.v2vwrapper.plan.PlanBuilder.networkArguments(mappings,
                        new org.v2vwrapper.plan.V2vCapabilities(java.util.Set.of("virt-v2v", "mac-option"))), List.of());
        Path v2vLog = logs.resolve("virt-v2v.log");
        int rc = run(inPlace, v2vLog);
        assertEquals(0, rc, inPlace.describe() + "\n" + tail(v2vLog));
        String mr = Files.readString(logs.resolve(TwoPhaseCommands.MACHINE_READABLE_LOG));
        assertTrue(mr.contains("\"Converting Microsoft Windows 7 Phony Edition to run on KVM\""), mr);
        assertTrue(mr.contains("\"Finishing off\""), mr);
        assertNotEquals(before, sha256(sda), "virt-v2v-in-place changed the disk");
        // What virt-v2v 2.2 leaves on this guest (no virtio-win here): the driver directory it makes.
        ProcessBuilder gf = new ProcessBuilder("guestfish", "--ro", "-a", sda.toString(), "-a",
                RealGuest.image("windows.img").toString(), "run", ":", "mount-ro", "/dev/sda2", "/", ":", "is-dir",
                "/Windows/Drivers/VirtIO", ":", "umount", "/", ":", "mount-ro", "/dev/sdb2", "/", ":", "is-dir",
                "/Windows/Drivers/VirtIO").redirectErrorStream(true).redirectOutput(tmp.resolve("guestfish.out").toFile());
        gf.environment().put("LIBGUESTFS_BACKEND", "direct");
        gf.environment().putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Process g = gf.start();
        if (!g.waitFor(300, TimeUnit.SECONDS)) {
            g.destroyForcibly().waitFor();
            throw new IOException("guestfish did not finish within 300 s");
        }
        String gout = Files.readString(tmp.resolve("guestfish.out"));
        assertEquals("true\nfalse\n", gout, "converted vs original");
        Optional<GuestCaps> caps;
        try (Stream<String> lines = Files.lines(v2vLog)) {
            caps = GuestCaps.fromLog(lines);
        }
        // No virtio drivers for this guest: emulated devices (the in-place log says so too).
        assertEquals(Optional.of(new GuestCaps(GuestCaps.BlockBus.IDE, GuestCaps.NetModel.RTL8139,
                GuestCaps.Machine.Q35, false, false, "x86_64")), caps);

        Path inspection = tmp.resolve("inspection.xml");
        ConversionCommand inspector = TwoPhaseCommands.inspector(INSPECTOR, xml, inspection, List.of());
        rc = run(inspector, logs.resolve("virt-v2v-inspector.log"));
        assertEquals(0, rc, inspector.describe() + "\n" + tail(logs.resolve("virt-v2v-inspector.log")));
        OsFacts os = InspectorXml.read(inspection);
        assertEquals("windows", os.type());
        assertEquals(6, os.majorVersion());
        assertEquals(1, os.minorVersion());
        assertEquals("win7", os.osinfo());
        assertEquals("Windows7", OvirtOsType.of(os));

        Path local = LocalDomainXml.write(out, hw, caps.get(), os.isUefi(), List.of(sda, sdb), mappings);
        String text = Files.readString(local);
        assertTrue(text.contains("<source bridge=\"br0\"/>"), text);
        assertTrue(text.contains("<target bus=\"ide\" dev=\"hda\"/>"), text);
        if (Files.isExecutable(Path.of("/usr/bin/xmllint")) && Files.isExecutable(Path.of("/usr/bin/virt-xml-validate"))) {
            Process v = new ProcessBuilder("virt-xml-validate", local.toString(), "domain").redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("validate.out").toFile()).start();
            assertTrue(v.waitFor(60, TimeUnit.SECONDS), "virt-xml-validate");
            String vout = Files.readString(tmp.resolve("validate.out"));
            assertEquals(0, v.exitValue(), vout);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
