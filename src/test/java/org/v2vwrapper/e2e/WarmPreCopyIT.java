package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two-phase (warm) pre-copy through the launcher against the fake vSphere, with the real nbdkit serving the fake's
 * frozen snapshot images through {@code nbdkit-vddk-as-file} (given as {@code --nbdkit}).
 */
class WarmPreCopyIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final long MIB = 1024 * 1024;
    static final String VM = "web01";

    @TempDir
    Path tmp;
    FakeVsphere fake;
    Path out;
    Path argsLog;
    Path errorFile;

    @BeforeEach
    void setUp() throws IOException {
        fake = FakeVsphere.start(Files.createDirectories(tmp.resolve("fake")));
        out = Files.createDirectories(tmp.resolve("out"));
        argsLog = tmp.resolve("nbdkit-args.txt");
        errorFile = tmp.resolve("read-errors");
    }

    @AfterEach
    void tearDown() {
        fake.close();
    }

    private String request(boolean warm, String fingerprint) {
        ObjectNode r = fake.twoPhaseRequest(VM, warm);
        r.put("vmware_fingerprint", fingerprint);
        r.put("local_output_dir", out.toString());
        return r.toString();
    }

    private WrapperRun wrapper(String name) throws IOException {
        // The fake two-phase virt-v2v 2.2: virt-v2v-in-place and virt-v2v-inspector are found beside it.
        return new WrapperRun(tmp.resolve(name))
                .virtV2v(ProjectPaths.root().resolve("src/test/resources/fake-two-phase/virt-v2v"))
                .arg("--nbdkit=" + ProjectPaths.root().resolve("src/test/resources/fake-nbdkit/nbdkit-vddk-as-file"))
                .arg("--vddk-libdir=" + tmp.resolve("vddk"))
                .env("FAKE_NBDKIT_MAP", fake.frozenImageMap().toString())
                .env("FAKE_NBDKIT_ARGS_LOG", argsLog.toString())
                .env("FAKE_NBDKIT_READ_ERROR_FILE", errorFile.toString());
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Predicate<JsonNode> copies(int n, String status) {
        return s -> status.equals(s.path("status").asText()) && s.path("disks").size() == 2
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

    /**
     * The destination disks hold the final source images, converted: the fake virt-v2v-in-place of
     * src/test/resources/fake-two-phase marks each disk it converts with "CONVERTED" at offset 512.
     */
    private void assertDisksEqualSource() throws IOException {
        byte[] mark = "CONVERTED".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < 2; i++) {
            Path dest = out.resolve(VM + "-sd" + (char) ('a' + i));
            byte[] expected = Files.readAllBytes(fake.image(VM, i));
            System.arraycopy(mark, 0, expected, 512, mark.length);
            assertArrayEquals(expected, Files.readAllBytes(dest),
                    "destination disk " + i + " differs from the (converted) source");
        }
        assertTrue(Files.isRegularFile(out.resolve(VM + ".xml")), "the local libvirt XML of the converted guest");
    }

    private void assertCleanedUp(WrapperRun run) throws IOException {
        JsonNode s = run.state();
        assertTrue(s.path("finished").asBoolean(), s.toString());
        assertTrue(s.path("failed").asBoolean(), s.toString());
        assertEquals(0, fake.snapshotsAlive(VM), "our snapshot was left");
        try (var files = Files.list(out)) {
            assertEquals(List.of(), files.toList(), "destination disks left");
        }
        assertTrue(fake.changeTracking(VM), "change tracking is left enabled");
        assertEquals(0, fake.sessionsOpen(), "vSphere session left open");
        // finished is the last write: the last key of the file
        List<String> keys = new ArrayList<>();
        s.fieldNames().forEachRemaining(keys::add);
        assertEquals("finished", keys.get(keys.size() - 1));
        try (var left = Files.list(run.runDir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("secrets-")), "secrets left");
        }
    }

    @Test
    void warmIterationsTriggersAndCutoverGiveTheFinalImages() throws Exception {
        fake.addVm(VM, 8 * MIB, 4 * MIB);
        fake.setQueryPageSize(3);
        fake.setShutdownDelay(VM, java.time.Duration.ofMillis(500));
        fake.quiesceFaults(VM, 1);
        // Data before the first copy: scattered areas on both disks.
        for (int k = 0; k < 6; k++) {
            fake.write(VM, 0, k * MIB + 4096, random(70_000, k));
            fake.write(VM, 1, k * 600_000L, random(5000, 100 + k));
        }
        WrapperRun run = wrapper("warm").start(request(true, fake.thumbprint()));
        JsonNode first = run.awaitState(copies(1, "Waiting"), 60);
        assertEquals("*", first.path("disks").get(0).path("copies").get(0).path("change_id").asText());

        // Iteration 2 fails to read (nbdkit's error filter): retried next time from the same changeId.
        fake.write(VM, 0, 3 * MIB - 1000, random(9000, 7));       // across areas of several answers
        fake.zero(VM, 0, MIB, 64 * 1024);                          // a range zeroed by the guest
        fake.write(VM, 1, 4 * MIB - 512, random(512, 8));          // the last sector
        Files.createFile(errorFile);
        Files.createFile(run.runDir.resolve("copy_trigger"));
        JsonNode failed = run.awaitState(copies(2, "Waiting"), 60);
        assertFalse(Files.exists(run.runDir.resolve("copy_trigger")), "copy_trigger is removed when taken");
        assertTrue(failed.path("disks").get(0).path("copies").get(1).path("error").asBoolean(), failed.toString());
        Files.delete(errorFile);

        // Paused: copy_trigger waits until pause_operations goes.
        fake.write(VM, 0, 6 * MIB, random(200_000, 9));
        fake.zero(VM, 1, 0, 8192);
        Files.createFile(run.runDir.resolve("pause_operations"));
        run.awaitState(s -> "Paused".equals(s.path("status").asText()), 5);
        Files.createFile(run.runDir.resolve("copy_trigger"));
        Thread.sleep(1500);
        JsonNode paused = run.state();
        assertEquals("Paused", paused.path("status").asText());
        assertEquals(2, paused.path("disks").get(0).path("copies").size());
        Files.delete(run.runDir.resolve("pause_operations"));
        JsonNode third = run.awaitState(copies(3, "Waiting"), 60);
        JsonNode c3 = third.path("disks").get(0).path("copies").get(2);
        assertEquals("Copied", c3.path("status").asText(), third.toString());
        assertEquals(failed.path("disks").get(0).path("copies").get(1).path("change_id").asText(),
                c3.path("change_id").asText(), "the failed copy's changeId is used again");

        // Cutover on a running VM: the wrapper shuts it down, takes a final snapshot, copies, removes it.
        fake.write(VM, 0, 7 * MIB + 12345, random(30_000, 10));
        fake.write(VM, 1, 2 * MIB, random(100_000, 11));
        Files.createFile(run.runDir.resolve("cutover"));
        assertEquals(0, run.waitFor(60), run.stderr());
        assertEquals("poweredOff", fake.powerState(VM));
        assertDisksEqualSource();
        assertEquals(1, fake.maxSnapshotsAlive(VM), "at most one snapshot of ours at a time");
        assertEquals(0, fake.snapshotsAlive(VM));
        assertTrue(fake.changeTracking(VM));
        assertEquals(0, fake.sessionsOpen());
        assertEquals(1, fake.calls("CreateContainerView").size(), "the VM is looked up once");
        List<String> quiesce = fake.calls("CreateSnapshot_Task").stream().map(c -> c.args().get("quiesce")).toList();
        assertEquals(List.of("true", "false"), quiesce.subList(0, 2), "quiesce fault, then without quiescing");

        JsonNode end = run.state();
        Files.writeString(Path.of("target/warm-state-example.json"),
                MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(end));
        assertFalse(end.path("failed").asBoolean(), end.toString());
        assertFalse("error".equals(end.path("last_message").path("type").asText()), end.toString());
        assertTrue(end.path("pid").asLong() > 0, "the pid of virt-v2v-in-place: " + end);
        assertEquals(4, end.path("disks").get(0).path("copies").size());
        assertEquals("[datastore1] web01/web01.vmdk", end.path("disks").get(0).path("path").asText());
        assertEquals(100.0, end.path("disks").get(1).path("progress").asDouble());
        JsonNode line = MAPPER.readTree(run.stdout().lines().findFirst().orElseThrow());
        assertEquals(run.runDir.resolve("cutover").toString(), line.path("cutover_file").asText());

        String args = Files.readString(argsLog);
        assertTrue(args.contains("snapshot=snapshot-"), args);
        assertTrue(args.contains("transports=file:nbdssl:nbd"), args);
        assertTrue(args.contains("file=[datastore1] web01/web01-000001.vmdk"), args);
        assertTrue(args.contains("password-file-mode=600"), args);
        assertTrue(args.contains("vm=moref=vm-"), args);
        assertFalse(args.contains(fake.password()), "the password reached nbdkit's argv");
        for (Path f : run.filesUnder(run.dir)) {
            if (!f.getFileName().toString().startsWith("stdin-")) {
                assertFalse(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)
                        .contains(fake.password()), "the password is in " + f);
            }
        }
    }

    @Test
    void coldTwoPhaseCopiesTheWholeDisksOnce() throws Exception {
        fake.addVm(VM, 4 * MIB, 2 * MIB);
        fake.write(VM, 0, 100_000, random(300_000, 1));
        fake.write(VM, 1, MIB, random(4096, 2));
        fake.setPowerState(VM, "poweredOff");
        WrapperRun run = wrapper("cold").start(request(false, fake.thumbprint()));
        assertEquals(0, run.waitFor(60), run.stderr());
        assertDisksEqualSource();
        assertEquals(1, fake.maxSnapshotsAlive(VM));
        assertEquals(0, fake.snapshotsAlive(VM));
        assertFalse(fake.changeTracking(VM), "cold two-phase copies whole disks: no change tracking needed");
        assertFalse(run.stdout().contains("cutover_file"));
    }

    @Test
    void aWrongThumbprintTouchesNothing() throws Exception {
        fake.addVm(VM, MIB);
        String wrong = String.join(":", java.util.Collections.nCopies(20, "AB"));
        WrapperRun run = wrapper("thumb").start(request(true, wrong));
        assertEquals(1, run.waitFor(60), run.stderr());
        assertTrue(run.state().path("last_message").path("message").asText().contains("RetrieveServiceContent")
                || run.state().path("last_message").path("message").asText().toLowerCase().contains("thumbprint"),
                run.state().toString());
        assertEquals(List.of(), fake.calls());
        assertFalse(fake.changeTracking(VM));
        try (var files = Files.list(out)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void aMissingVddkPluginStopsBeforeVsphere() throws Exception {
        fake.addVm(VM, MIB);
        WrapperRun run = new WrapperRun(tmp.resolve("noplugin")).arg("--nbdkit=nbdkit")
                .virtV2v(ProjectPaths.root().resolve("src/test/resources/fake-two-phase/virt-v2v"))
                .start(request(true, fake.thumbprint()));
        assertEquals(1, run.waitFor(60), run.stderr());
        assertTrue(run.state().path("last_message").path("message").asText().contains("vddk plugin"),
                run.state().toString());
        assertEquals(List.of(), fake.calls());
    }

    @Test
    void vmNotFoundAndNotUnique() throws Exception {
        fake.addVm("other", MIB);
        WrapperRun run = wrapper("missing").start(request(true, fake.thumbprint()));
        assertEquals(1, run.waitFor(60), run.stderr());
        assertTrue(run.state().path("last_message").path("message").asText().contains("no VM named"),
                run.state().toString());
        fake.addVm(VM, MIB);
        fake.addVm(VM, MIB);
        WrapperRun twice = wrapper("twice").start(request(true, fake.thumbprint()));
        assertEquals(1, twice.waitFor(60), twice.stderr());
        assertTrue(twice.state().path("last_message").path("message").asText().contains("2 VMs named"),
                twice.state().toString());
        assertTrue(fake.calls("CreateSnapshot_Task").isEmpty());
        try (var files = Files.list(out)) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void aReadErrorInTheFinalCopyFailsWithCleanup() throws Exception {
        fake.addVm(VM, 2 * MIB, MIB);
        fake.write(VM, 0, 0, random(100_000, 3));
        WrapperRun run = wrapper("final").start(request(true, fake.thumbprint()));
        run.awaitState(copies(1, "Waiting"), 60);
        fake.write(VM, 1, 4096, random(4096, 4));
        Files.createFile(errorFile);
        Files.createFile(run.runDir.resolve("cutover"));
        assertEquals(2, run.waitFor(60), run.stderr());
        assertTrue(run.state().path("last_message").path("message").asText().contains("final copy failed"),
                run.state().toString());
        assertCleanedUp(run);
    }

    @Test
    void sigtermWhileCopyingAndWhileWaitingCleansUp() throws Exception {
        fake.addVm(VM, 4 * MIB, MIB);
        for (int k = 0; k < 4; k++) {
            fake.write(VM, 0, k * MIB, random(500_000, k));
        }
        WrapperRun copying = wrapper("term-copy").env("FAKE_NBDKIT_READ_DELAY", "2s")
                .start(request(true, fake.thumbprint()));
        copying.awaitState(s -> s.path("status").asText().equals("Pre-copy #1")
                && s.path("disks").size() == 2
                && "Copying".equals(s.path("disks").get(0).path("copies").path(0).path("status").asText()), 60);
        copying.process().destroy(); // SIGTERM
        // SIGTERM: the JVM exits with 128 + 15 once the shutdown hook has wound the run down
        assertEquals(2, copying.waitFor(60), copying.stderr()); // started, then stopped: exit 2 as documented
        assertCleanedUp(copying);
        assertTrue(copying.state().path("last_message").path("message").asText().contains("SIGTERM"),
                copying.state().toString());

        WrapperRun waiting = wrapper("term-wait").start(request(true, fake.thumbprint()));
        waiting.awaitState(copies(1, "Waiting"), 60);
        waiting.process().destroy();
        assertEquals(2, waiting.waitFor(60), waiting.stderr());
        assertCleanedUp(waiting);
        // nbdkit of these runs: none left (their sockets live in v2v-nbdkit-* temp directories)
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().arguments().map(Arrays::asList)
                .map(a -> a.stream().anyMatch(x -> x.contains(fake.frozenImageMap().getParent().toString())))
                .orElse(false)), "an nbdkit is left running");
    }
}
