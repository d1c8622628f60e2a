package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher end to end against the fake virt-v2v replaying real virt-v2v 2.2 output. */
class OnePhaseConversionIT {
    static final String VMWARE_SECRET = "Vmw4re-S3cret-e2e";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    /** A request with a local output that the fake accepts; vddk so a password file is involved. */
    String vddkToLocal(String extra) {
        return """
                {"vm_name": "win7", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1",
                 "vmware_password": "%s",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "local_output_dir": "%s" %s}
                """.formatted(VMWARE_SECRET, tmp.resolve("out"), extra);
    }

    @Test
    void successfulRunShowsProgressWhileRunningAndFinalKeysAfter() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(Scenario.fromFixture("local-1disk-verbose", 25, 3,
                Map.of("file=windows.img", "file=[datastore1] win7/win7.vmdk")));
        List<StateWatcher.Seen> seen;
        int rc;
        try (StateWatcher watcher = new StateWatcher(run.stateFile())) {
            run.start(vddkToLocal(""));
            rc = run.waitFor(60);
            watcher.close();
            seen = watcher.seen();
            assertEquals(List.of(), watcher.invalid(), "a reader saw a partial or invalid state file");
        }
        assertEquals(0, rc, run.stderr());
        assertEquals("", run.stderr());
        // Exactly one stdout line naming the three files.
        List<String> out = run.stdout().lines().toList();
        assertEquals(1, out.size(), run.stdout());
        JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.get(0));
        assertEquals(run.stateFile().toString(), line.get("state_file").asText());
        // each run's own logs, named in the line; the fixed names link to them
        Path v2vLog = Path.of(line.get("v2v_log").asText());
        Path wrapperLog = Path.of(line.get("wrapper_log").asText());
        assertTrue(v2vLog.getFileName().toString().matches("virt-v2v-win7-\\d{8}T\\d{6}\\.\\d{3}Z\\.log"), v2vLog.toString());
        assertTrue(wrapperLog.getFileName().toString().matches("virt-v2v-wrapper-\\d{8}T\\d{6}\\.\\d{3}Z\\.log"),
                wrapperLog.toString());
        assertEquals(run.logDir, v2vLog.getParent());
        assertEquals(v2vLog.toRealPath(), run.logDir.resolve("virt-v2v.log").toRealPath());
        assertEquals(wrapperLog.toRealPath(), run.logDir.resolve("virt-v2v-wrapper.log").toRealPath());

        JsonNode fin = run.state();
        assertTrue(fin.get("finished").asBoolean());
        assertFalse(fin.get("failed").asBoolean());
        assertEquals(0, fin.get("return_code").asInt());
        assertTrue(fin.get("started").asBoolean());
        assertTrue(fin.get("pid").isIntegralNumber());
        assertEquals(1, fin.get("disk_count").asInt());
        assertEquals("[datastore1] win7/win7.vmdk", fin.get("disks").get(0).get("path").asText());
        assertEquals(100.0, fin.get("disks").get(0).get("progress").asDouble());
        assertFalse(fin.has("vm_id"), "local output has no VM id");

        // Intermediate progress was visible while virt-v2v ran, and it never went backwards.
        List<Double> progress = seen.stream().map(StateWatcher.Seen::state)
                .filter(s -> s.has("disks") && s.get("disks").size() == 1 && !s.has("finished"))
                .map(s -> s.get("disks").get(0).get("progress").asDouble()).distinct().toList();
        assertTrue(progress.stream().anyMatch(p -> p > 0 && p < 100), "no intermediate progress in " + progress);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i) >= progress.get(i - 1), "progress went backwards: " + progress);
        }
        // finished is the last write and comes with failed.
        JsonNode last = seen.get(seen.size() - 1).state();
        assertTrue(last.get("finished").asBoolean());
        assertTrue(last.has("failed"));
        // Logs: virt-v2v's own output and its machine-readable file are kept.
        assertTrue(Files.readString(run.logDir.resolve("virt-v2v.log")).contains("Copying disk 1/1"));
        assertTrue(Files.readString(run.logDir.resolve("virt-v2v-mr.log")).contains("Finishing off"));
    }

    @Test
    void secretFileIsPrivateWhileRunningAndGoneAfter() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(new Scenario().out("[   0.0] Setting up the source").exit(0));
        run.start(vddkToLocal(""));
        assertEquals(0, run.waitFor(60), run.stderr());
        JsonNode rec = run.recorded();
        List<String> argv = toList(rec.get("argv"));
        String passwordFile = argv.get(argv.indexOf("--password-file") + 1);
        JsonNode facts = rec.get("files").get(passwordFile);
        assertEquals("0o600", facts.get("mode").asText());
        assertEquals(sha256(VMWARE_SECRET), facts.get("sha256").asText());
        assertFalse(Files.exists(Path.of(passwordFile)), "password file left behind");
        assertFalse(Files.exists(Path.of(passwordFile).getParent()), "secret directory left behind");
        assertNoSecretIn(run);
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    void virtV2vErrorBecomesLastMessageAndExitCode2() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(Scenario.fromFixture("inspection-failure-verbose", 40, 0));
        run.start(vddkToLocal(""));
        assertEquals(2, run.waitFor(60));
        JsonNode s = run.state();
        assertTrue(s.get("finished").asBoolean());
        assertTrue(s.get("failed").asBoolean());
        assertEquals(1, s.get("return_code").asInt());
        assertEquals("error", s.get("last_message").get("type").asText());
        assertTrue(s.get("last_message").get("message").asText().startsWith("inspection could not detect the source guest"),
                s.toString());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
        assertTrue(run.stderr().contains("inspection could not detect"), run.stderr());
        String passwordFile = waitForRecordedPasswordFile(run);
        assertFalse(Files.exists(Path.of(passwordFile)), "password file left behind after a failure");
        assertNoSecretIn(run);
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    void nonZeroExitWithoutMessageIsReported() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(new Scenario().out("[   0.0] Setting up the source").exit(3));
        run.start(vddkToLocal(""));
        assertEquals(2, run.waitFor(60));
        JsonNode s = run.state();
        assertTrue(s.get("failed").asBoolean());
        assertEquals(3, s.get("return_code").asInt());
        assertEquals("virt-v2v failed with exit code 3", s.get("last_message").get("message").asText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "KILL"})
    void killingVirtV2vThroughItsPidEndsTheRunAtOnce(String signal) throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(new Scenario().out("[   0.0] Setting up the source")
                .child().sleep(300).exit(0));
        run.start(vddkToLocal(""));
        JsonNode started = run.awaitState(s -> s.has("pid"), 30);
        long v2vPid = started.get("pid").asLong();
        new ProcessBuilder("kill", "-" + signal, String.valueOf(v2vPid)).start().waitFor();
        long t0 = System.nanoTime();
        int rc = run.waitFor(30);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 5, "wrapper took " + seconds + " s to notice");
        assertEquals(2, rc);
        JsonNode s = run.state();
        assertTrue(s.get("finished").asBoolean());
        assertTrue(s.get("failed").asBoolean());
        assertEquals("virt-v2v was killed by signal " + signal, s.get("last_message").get("message").asText());
        assertChildrenGone(run);
    }

    @Test
    void sigtermToTheWrapperStopsVirtV2vAndCleansUp() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(new Scenario().out("[   0.0] Setting up the source")
                .child().sleep(300).exit(0));
        run.start(vddkToLocal(""));
        JsonNode started = run.awaitState(s -> s.has("pid"), 30);
        long v2vPid = started.get("pid").asLong();
        String passwordFile = waitForRecordedPasswordFile(run);
        run.process().destroy(); // SIGTERM to the pid the caller started: the launcher exec'ed java
        int rc = run.waitFor(30);
        assertEquals(2, rc, "virt-v2v had started: the documented 2, not 143");
        JsonNode s = run.state();
        assertTrue(s.get("finished").asBoolean());
        assertTrue(s.get("failed").asBoolean());
        assertTrue(s.get("last_message").get("message").asText().contains("SIGTERM"), s.toString());
        assertFalse(ProcessHandle.of(v2vPid).map(ProcessHandle::isAlive).orElse(false), "virt-v2v still runs");
        assertChildrenGone(run);
        assertFalse(Files.exists(Path.of(passwordFile)), "password file left behind");
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
        assertNoSecretIn(run);
    }

    @Test
    void aSecondWrapperOnTheSameRunDirectoryIsRefused() throws Exception {
        WrapperRun first = new WrapperRun(tmp).scenario(new Scenario().out("[   0.0] Setting up the source")
                .sleep(300).exit(0));
        first.start(vddkToLocal(""));
        first.awaitState(s -> s.path("status").asText().equals("Setting up the source"), 30);
        String stateBefore = Files.readString(first.stateFile());
        String logBefore = Files.readString(first.logDir.resolve("virt-v2v-wrapper.log"));

        WrapperRun second = new WrapperRun(tmp);
        second.start(vddkToLocal(""));
        assertEquals(1, second.waitFor(30));
        assertEquals("", second.stdout());
        assertEquals(1, second.stderr().lines().count(), second.stderr());
        assertTrue(second.stderr().contains("in use by another v2v-wrapper"), second.stderr());
        assertEquals(stateBefore, Files.readString(first.stateFile()));
        assertTrue(Files.readString(first.logDir.resolve("virt-v2v-wrapper.log")).startsWith(logBefore));

        first.process().destroy();
        first.waitFor(30);
    }

    @Test
    void daemonizeAnswersAtOnceAndTheConversionGoesOn() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(new Scenario().out("[   0.0] Setting up the source")
                .sleep(2).out("[   2.0] Finishing off").exit(0));
        run.start(vddkToLocal(", \"daemonize\": true"));
        assertEquals(0, run.waitFor(30), run.stderr());
        assertEquals(1, run.stdout().lines().count(), run.stdout());
        assertTrue(run.stdout().contains("\"state_file\""));
        // The caller has its answer while the conversion is still going on.
        assertFalse(run.state().has("finished"), "conversion finished before the caller got its answer");
        JsonNode fin = run.awaitState(s -> s.has("finished"), 60);
        assertFalse(fin.get("failed").asBoolean(), fin.toString());
        assertEquals(0, fin.get("return_code").asInt());
    }

    @Test
    void aReaderHammeringTheStateFileNeverSeesInvalidJson() throws Exception {
        Scenario s = new Scenario().out("[   0.0] Setting up the source").out("[   1.0] Copying disk 1/1");
        for (int p = 0; p <= 100; p++) {
            s.errCr(Scenario.progressBar(p)).sleep(0.02);
        }
        s.out("[   2.0] Finishing off").exit(0);
        WrapperRun run = new WrapperRun(tmp).scenario(s);
        try (StateWatcher watcher = new StateWatcher(run.stateFile())) {
            run.start(vddkToLocal(", \"source_disks\": [\"[ds] win7/win7.vmdk\"]"));
            assertEquals(0, run.waitFor(60), run.stderr());
            watcher.close();
            assertEquals(List.of(), watcher.invalid());
            assertTrue(watcher.reads() > 100, "only " + watcher.reads() + " reads");
            assertTrue(watcher.seen().size() > 3, "too few distinct states: " + watcher.seen().size());
        }
    }

    // ----- helpers -----

    private String waitForRecordedPasswordFile(WrapperRun run) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(run.record) && Files.size(run.record) > 0) {
                try {
                    List<String> argv = toList(run.recorded().get("argv"));
                    return argv.get(argv.indexOf("--password-file") + 1);
                } catch (IOException partial) {
                    // the fake is still writing it
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fake virt-v2v never recorded its arguments");
    }

    private static void assertChildrenGone(WrapperRun run) throws IOException, InterruptedException {
        if (!Files.exists(run.children)) {
            return;
        }
        for (String pid : Files.readAllLines(run.children)) {
            long p = Long.parseLong(pid.strip());
            // The wrapper has stopped them; an exited orphan stays a zombie until pid 1 reaps it (~1.5 s in the
            // project's containers), and a zombie runs nothing: it counts as gone, as it does for the wrapper.
            for (int i = 0; i < 50 && running(p); i++) {
                Thread.sleep(20);
            }
            assertFalse(running(p), "child " + p + " survived");
        }
    }

    private static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private void assertNoSecretIn(WrapperRun run) throws IOException {
        assertFalse(run.stdout().contains(VMWARE_SECRET));
        assertFalse(run.stderr().contains(VMWARE_SECRET));
        for (Path root : List.of(run.runDir, run.logDir)) {
            for (Path f : run.filesUnder(root)) {
                assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(VMWARE_SECRET),
                        "secret found in " + f);
            }
        }
    }

    private static Set<String> namesIn(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static List<String> toList(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
