package org.v2vwrapper.real;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.e2e.ProjectPaths;
import org.v2vwrapper.e2e.WrapperRun;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A whole warm migration through the launcher with the REAL tools: the fake vSphere ({@link FakeVsphere}) runs a
 * VM whose disks are copies of the phony Windows test guest (docs/test-guest.md: windows.img and the blank
 * data.img), the real nbdkit serves its snapshots (through {@code nbdkit-vddk-as-file} as {@code --nbdkit}), and
 * Debian's virt-v2v 2.2 ({@code virt-v2v}, {@code virt-v2v-in-place}, {@code virt-v2v-inspector}, under TCG)
 * converts the copies to {@code local_output_dir}.
 *
 * <p>The guest "runs" between the iterations: a file is written into its NTFS file system after the first copy
 * ({@code /iter1.txt}, which the second copy must carry) and another after the second ({@code /iter2.txt}, which
 * only the final copy at cutover carries), and bytes onto the second disk. The edits use ntfs-3g's
 * {@code ntfscp} on the partition, not guestfish: each libguestfs appliance costs 15–40 s under TCG on the
 * project's machines, and one (the check at the end) is enough. The fake's change tracking then reports the
 * changed 64 KiB granules ({@link FakeVsphere#applyEdit}).
 *
 * <p>Checks: each iteration's files are in the converted guest with their content (libguestfs on the output
 * disk), the guest was converted (the VirtIO driver directory virt-v2v 2.2 leaves on this guest, absent on the
 * original), the local libvirt XML validates and names the output disks, the state ended finished and not failed
 * with the pid of virt-v2v-in-place seen while it converted, and the disks' paths are the VMware disk files.
 * Skipped only where virt-v2v 2.x is not installed. About 3 minutes on 2 cores without KVM.
 */
class RealWarmMigrationIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Path IN_PLACE = Path.of("/usr/bin/virt-v2v-in-place");
    private static final Path INSPECTOR = Path.of("/usr/bin/virt-v2v-inspector");
    private static final Path NTFSCP = Path.of("/usr/sbin/ntfscp");
    private static final String VM = "win01";
    private static final long RUN_TIMEOUT_S = 900;
    private static final long STEP_TIMEOUT_S = 120;
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;
    private FakeVsphere fake;
    private WrapperRun run;

    @BeforeAll
    static void guest() throws Exception {
        assumeTrue(RealGuest.virtV2vInstalled() && Files.isExecutable(IN_PLACE) && Files.isExecutable(INSPECTOR),
                "virt-v2v 2.x is not installed");
        RealGuest.dir();
    }

    /** The run's logs and state are kept in target/real-it/RealWarmMigrationIT for a look after the fact (and CI). */
    @AfterEach
    void keepLogsAndStop() throws IOException {
        try {
            if (run != null) {
                Path keep = Files.createDirectories(ProjectPaths.root().resolve("target/real-it/RealWarmMigrationIT"));
                try (var old = Files.list(keep)) {
                    for (Path f : old.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                for (Path dir : List.of(run.logDir, run.runDir)) {
                    try (var files = Files.list(dir)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            Files.copy(f, keep.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
                Files.writeString(keep.resolve("wrapper-stderr.txt"), run.stderr());
                Path xml = tmp.resolve("out").resolve(VM + ".xml");
                if (Files.exists(xml)) {
                    Files.copy(xml, keep.resolve(VM + ".xml"), StandardCopyOption.REPLACE_EXISTING);
                }
                if (run.process().isAlive()) {
                    run.process().descendants().forEach(ProcessHandle::destroyForcibly);
                    run.process().destroyForcibly();
                }
            }
        } finally {
            if (fake != null) {
                fake.close();
            }
        }
    }

    @Test
    void warmMigrationOfTheTestGuestCarriesEveryIterationsWritesIntoTheConvertedGuest() throws Exception {
        fake = FakeVsphere.start(tmp.resolve("fake"));
        fake.addVmFromImages(VM, RealGuest.image("windows.img"), RealGuest.image("data.img"));
        fake.setHardware(VM, "bios", 1024, 1);
        fake.setShutdownDelay(VM, java.time.Duration.ofMillis(500));
        Path out = Files.createDirectories(tmp.resolve("out"));
        run = new WrapperRun(tmp.resolve("wrapper")).virtV2v(RealGuest.VIRT_V2V)
                .arg("--nbdkit=" + ProjectPaths.root().resolve("src/test/resources/fake-nbdkit/nbdkit-vddk-as-file"))
                .arg("--vddk-libdir=" + tmp.resolve("vddk"))
                .env("FAKE_NBDKIT_MAP", fake.frozenImageMap().toString());
        if (System.getenv("LIBGUESTFS_BACKEND_SETTINGS") == null) {
            run.env("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg"); // no usable KVM on the project's machines
        }
        byte[] disk2Iter1 = random(100_000, 1);
        byte[] disk2Iter2 = random(3000, 2);

        long t0 = System.nanoTime();
        try (PidSampler sampler = new PidSampler(run.stateFile())) {
            run.start(request(out));
            JsonNode first = run.awaitState(copies(1), STEP_TIMEOUT_S);
            assertEquals("*", copy(first, 0, 0).path("change_id").asText(), first.toString());

            // Iteration 2 carries what the guest wrote after the first copy.
            List<long[]> edit1 = fake.applyEdit(VM, 0, image -> ntfsWrite(image, "iter1.txt", "written before copy 2"));
            fake.write(VM, 1, 5 * MIB + 123, disk2Iter1);
            Files.createFile(run.runDir.resolve("copy_trigger"));
            JsonNode second = run.awaitState(copies(2), STEP_TIMEOUT_S);
            JsonNode c2 = copy(second, 0, 1);
            assertEquals("Copied", c2.path("status").asText(), second.toString());
            assertNotEquals("*", c2.path("change_id").asText());
            assertEquals(bytes(edit1), c2.path("to_copy").asLong(), "copy 2 of disk 1 is what the edit changed");
            assertEquals(disk2Iter1.length, copy(second, 1, 1).path("to_copy").asLong(), second.toString());

            // The final copy at cutover carries what the guest wrote after the second.
            List<long[]> edit2 = fake.applyEdit(VM, 0, image -> ntfsWrite(image, "iter2.txt", "written before cutover"));
            fake.write(VM, 1, 31 * MIB, disk2Iter2);
            Files.createFile(run.runDir.resolve("cutover"));
            int rc = run.waitFor(RUN_TIMEOUT_S);
            assertEquals(0, rc, "rc " + rc + "; " + run.state() + "\n" + tail(run.logDir.resolve("virt-v2v.log")));
            JsonNode end = run.state();
            assertEquals(bytes(edit2), copy(end, 0, 2).path("to_copy").asLong(), end.toString());
            System.out.printf("RealWarmMigrationIT: the run took %.0f s from start to exit%n",
                    (System.nanoTime() - t0) / 1e9);

            // The state: finished, not failed; disks named by their VMware files; three copies each.
            assertTrue(end.path("finished").asBoolean(), end.toString());
            assertFalse(end.path("failed").asBoolean(), end.toString());
            assertEquals(0, end.path("return_code").asInt(), end.toString());
            assertEquals("Finished", end.path("status").asText(), end.toString());
            assertEquals(List.of("[datastore1] win01/win01.vmdk", "[datastore1] win01/win01_1.vmdk"),
                    List.of(end.path("disks").get(0).path("path").asText(), end.path("disks").get(1).path("path").asText()));
            for (JsonNode d : end.path("disks")) {
                assertEquals(3, d.path("copies").size(), end.toString());
                assertEquals(100.0, d.path("progress").asDouble(), end.toString());
            }
            assertTrue(sampler.statuses().contains("Converting Microsoft Windows 7 Phony Edition to run on KVM"),
                    sampler.statuses().toString());
            // The real inspector read the pre-copied (unconverted) guest during the first wait, so the cutover
            // did not run it again (EarlyInspection); the copy trigger waited for it.
            assertTrue(sampler.statuses().contains("Inspecting the pre-copied guest"), sampler.statuses().toString());
            String wrapperLog = wrapperLogText(run);
            assertTrue(wrapperLog.contains("the pre-copied guest was inspected while waiting")
                    && wrapperLog.contains("no second inspector run"), "the early inspection did not serve the cutover");
            assertTrue(sampler.commands().values().stream().anyMatch(c -> c.endsWith("/virt-v2v-in-place")),
                    "the pid of virt-v2v-in-place in the state while it ran: " + sampler.commands());
            assertEquals("poweredOff", fake.powerState(VM));
            assertEquals(0, fake.snapshotsAlive(VM));
            assertEquals(1, fake.maxSnapshotsAlive(VM), "at most one snapshot of ours at a time");
            assertEquals(0, fake.sessionsOpen());
            try (var left = Files.list(run.runDir)) {
                assertEquals(Set.of("state.json", "cutover"),
                        Set.copyOf(left.map(p -> p.getFileName().toString()).toList()), "left in the run directory");
            }
        }

        Path sda = out.resolve(VM + "-sda");
        Path sdb = out.resolve(VM + "-sdb");
        // The second disk is raw bytes the guest wrote, copied through the iterations.
        byte[] second = Files.readAllBytes(sdb);
        assertEquals(Files.size(RealGuest.image("data.img")), second.length);
        assertArrayEquals(disk2Iter1, java.util.Arrays.copyOfRange(second, (int) (5 * MIB + 123),
                (int) (5 * MIB + 123) + disk2Iter1.length));
        assertArrayEquals(disk2Iter2, java.util.Arrays.copyOfRange(second, (int) (31 * MIB),
                (int) (31 * MIB) + disk2Iter2.length));

        // One appliance: the converted disk and the original guest.
        String gf = guestfish(List.of("--ro", "-a", sda.toString(), "-a", RealGuest.image("windows.img").toString(),
                "run", ":", "mount-ro", "/dev/sda2", "/", ":", "cat", "/iter1.txt", ":", "cat", "/iter2.txt",
                ":", "is-dir", "/Windows/Drivers/VirtIO", ":", "is-file", "/Windows/System32/cmd.exe",
                ":", "umount", "/", ":", "mount-ro", "/dev/sdb2", "/", ":", "is-dir", "/Windows/Drivers/VirtIO"));
        assertEquals("written before copy 2\nwritten before cutover\ntrue\ntrue\nfalse\n", gf,
                "the iterations' files and VirtIO on the converted disk; VirtIO not on the original");

        Path xml = out.resolve(VM + ".xml");
        String text = Files.readString(xml);
        assertTrue(text.contains("<name>" + VM + "</name>"), text);
        assertTrue(text.contains("<source file=\"" + sda + "\"/>") && text.contains("<source file=\"" + sdb + "\"/>"),
                text);
        // No virtio drivers for this guest: the emulated devices virt-v2v chose (IDE, which q35 has as SATA).
        assertTrue(text.contains("machine=\"q35\"") && text.contains("<target bus=\"sata\" dev=\"sda\"/>")
                && text.contains("<target bus=\"sata\" dev=\"sdb\"/>") && text.contains("<model type=\"rtl8139\"/>"),
                text);
        // Both NICs of the fake VM, each on the bridge its network_mappings entry names (a distributed port group
        // by its key).
        assertEquals(List.of("00:50:56:aa:bb:01 br0", "00:50:56:aa:bb:02 br1"), nics(text), text);
        Process v = new ProcessBuilder("virt-xml-validate", xml.toString(), "domain").redirectErrorStream(true)
                .redirectOutput(tmp.resolve("validate.out").toFile()).start();
        assertTrue(v.waitFor(60, TimeUnit.SECONDS), "virt-xml-validate");
        assertEquals(0, v.exitValue(), Files.readString(tmp.resolve("validate.out")));
        try (var files = Files.list(out)) {
            assertEquals(Set.of(VM + "-sda", VM + "-sdb", VM + ".xml"),
                    Set.copyOf(files.map(p -> p.getFileName().toString()).toList()));
        }
    }

    // ----- helpers -----

    /** "MAC bridge" of each {@code <interface>} of a domain XML, in order. */
    private static List<String> nics(String domainXml) throws Exception {
        var factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        var doc = factory.newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(domainXml.getBytes(StandardCharsets.UTF_8)));
        List<String> out = new ArrayList<>();
        var interfaces = doc.getElementsByTagName("interface");
        for (int i = 0; i < interfaces.getLength(); i++) {
            var nic = (org.w3c.dom.Element) interfaces.item(i);
            out.add(((org.w3c.dom.Element) nic.getElementsByTagName("mac").item(0)).getAttribute("address") + " "
                    + ((org.w3c.dom.Element) nic.getElementsByTagName("source").item(0)).getAttribute("bridge"));
        }
        return out;
    }

    private String request(Path out) {
        ObjectNode r = fake.twoPhaseRequest(VM, true); // warm: the test triggers each copy
        r.put("local_output_dir", out.toString());
        ObjectNode map = r.putArray("network_mappings").addObject();
        map.put("source", "VM Network");
        map.put("destination", "br0");
        ObjectNode dv = r.withArray("network_mappings").addObject();
        dv.put("source", "dvportgroup-21");
        dv.put("destination", "br1");
        return r.toString();
    }

    private static Predicate<JsonNode> copies(int n) {
        return s -> "Waiting".equals(s.path("status").asText()) && s.path("disks").size() == 2
                && allDisks(s, d -> d.path("copies").size() == n && d.path("copies").get(n - 1).has("end_time"));
    }

    private static boolean allDisks(JsonNode s, Predicate<JsonNode> p) {
        for (JsonNode d : s.path("disks")) {
            if (!p.test(d)) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode copy(JsonNode state, int disk, int copy) {
        return state.path("disks").get(disk).path("copies").get(copy);
    }

    private static long bytes(List<long[]> ranges) {
        return ranges.stream().mapToLong(a -> a[1] - a[0]).sum();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Writes {@code /name} with {@code content} into the NTFS file system of the test guest's second partition
     * (the "Windows" volume) of {@code image}: the partition is taken out into a file of its own (ntfs-3g takes no
     * offset), {@code ntfscp} writes the file, and the 64 KiB blocks that changed go back into the image.
     */
    private void ntfsWrite(Path image, String name, String content) throws Exception {
        long[] part = partition(image, 2);
        Path volume = tmp.resolve("volume.img");
        Path source = tmp.resolve(name);
        Files.writeString(source, content);
        try (FileChannel from = FileChannel.open(image, StandardOpenOption.READ);
             FileChannel to = FileChannel.open(volume, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            to.truncate(part[1]);
            copyChangedBlocks(from, part[0], to, 0, part[1]);
        }
        try {
            Process p = new ProcessBuilder(NTFSCP.toString(), volume.toString(), source.toString(), "/" + name)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("ntfscp.out").toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ntfscp");
            assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("ntfscp.out")));
            try (FileChannel from = FileChannel.open(volume, StandardOpenOption.READ);
                 FileChannel to = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                copyChangedBlocks(from, 0, to, part[0], part[1]);
            }
        } finally {
            Files.deleteIfExists(volume);
            Files.deleteIfExists(source);
        }
    }

    /** MBR primary partition {@code n} (from 1) of {@code image}: {start, length} in bytes. */
    private static long[] partition(Path image, int n) throws IOException {
        ByteBuffer mbr = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ch.read(mbr, 0);
        }
        int entry = 0x1BE + 16 * (n - 1);
        long start = Integer.toUnsignedLong(mbr.getInt(entry + 8)) * 512;
        long length = Integer.toUnsignedLong(mbr.getInt(entry + 12)) * 512;
        assertTrue(start > 0 && length > 0, "no partition " + n + " in " + image);
        return new long[] {start, length};
    }

    /** Copies {@code length} bytes, writing only the 64 KiB blocks whose content differs (sparse files stay so). */
    private static void copyChangedBlocks(FileChannel from, long fromPos, FileChannel to, long toPos, long length)
            throws IOException {
        ByteBuffer a = ByteBuffer.allocate(64 * 1024);
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        for (long off = 0; off < length; off += a.capacity()) {
            int len = (int) Math.min(a.capacity(), length - off);
            read(from, a, fromPos + off, len);
            read(to, b, toPos + off, len);
            if (!a.equals(b)) {
                long at = toPos + off;
                while (a.hasRemaining()) {
                    at += to.write(a, at);
                }
            }
        }
    }

    private static void read(FileChannel ch, ByteBuffer buf, long pos, int len) throws IOException {
        buf.clear().limit(len);
        while (buf.hasRemaining()) {
            if (ch.read(buf, pos + buf.position()) < 0) {
                while (buf.hasRemaining()) {
                    buf.put((byte) 0);
                }
            }
        }
        buf.flip();
    }

    private String guestfish(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("guestfish"));
        cmd.addAll(args);
        Path log = tmp.resolve("guestfish.out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LIBGUESTFS_BACKEND", "direct");
        pb.environment().putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException("guestfish did not finish within 300 s");
        }
        return Files.readString(log);
    }

    private static String tail(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.ISO_8859_1);
            return s.substring(Math.max(0, s.length() - 4000));
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }

    /**
     * Reads the state file every 10 ms (a busy reader would take a core from the appliance) and notes each status
     * and, while a {@code pid} is in it, the command of that live process.
     */
    private static final class PidSampler implements AutoCloseable {
        private final Path file;
        private final Thread thread;
        private final Set<String> statuses = new LinkedHashSet<>();
        private final Map<Long, String> commands = new LinkedHashMap<>();
        private volatile boolean running = true;

        PidSampler(Path file) {
            this.file = file;
            this.thread = new Thread(this::loop, "pid-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running) {
                try {
                    JsonNode s = MAPPER.readTree(Files.readString(file));
                    long pid = s.path("pid").asLong();
                    synchronized (this) {
                        statuses.add(s.path("status").asText());
                        if (pid > 0 && !commands.containsKey(pid)) {
                            ProcessHandle.of(pid).flatMap(h -> h.info().command())
                                    .ifPresent(c -> commands.put(pid, c));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // not written yet, or a read between two writes: next time
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        synchronized Set<String> statuses() {
            return new LinkedHashSet<>(statuses);
        }

        synchronized Map<Long, String> commands() {
            return new LinkedHashMap<>(commands);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(5000);
        }
    }

    private static String wrapperLogText(WrapperRun run) throws IOException {
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(run.logDir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("virt-v2v-wrapper-")).toList()) {
                all.append(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }
}
