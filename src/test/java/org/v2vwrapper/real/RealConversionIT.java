package org.v2vwrapper.real;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.e2e.ProjectPaths;
import org.v2vwrapper.e2e.StateWatcher;
import org.v2vwrapper.e2e.WrapperRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The launcher end to end with the REAL virt-v2v 2.2 converting the phony Windows test guest
 * (docs/test-guest.md) to a local directory: four conversions, each test independent of the others. Skipped only
 * where /usr/bin/virt-v2v is absent. Each conversion takes about 1–2 minutes on a 2-core machine without KVM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealConversionIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** nbdkit's rate filter counts bits per second: 256 MiB at 120 Mbit/s copies in about 18 s. */
    private static final String SLOW_RATE = "120M";
    private static final long CONVERSION_TIMEOUT_S = 900;

    private static SlowDisk slowDisk;

    @TempDir
    Path tmp;

    private WrapperRun current;

    @BeforeAll
    static void guest() throws Exception {
        assumeTrue(RealGuest.virtV2vInstalled(), RealGuest.VIRT_V2V + " is not installed");
        RealGuest.dir();
    }

    @AfterAll
    static void unmountSlowDisk() {
        if (slowDisk != null) {
            slowDisk.close();
            slowDisk = null;
        }
    }

    private static synchronized Path slowDisk() throws Exception {
        if (slowDisk == null) {
            slowDisk = SlowDisk.mount(RealGuest.image("random256m.img"), SLOW_RATE);
        }
        return slowDisk.file;
    }

    /** The run's logs and state file are kept in target/real-it/METHOD for a look after the fact (and CI). */
    @AfterEach
    void keepLogs(TestInfo info) throws IOException {
        if (current == null) {
            return;
        }
        Path keep = ProjectPaths.root().resolve("target/real-it").resolve(info.getTestMethod().orElseThrow().getName());
        Files.createDirectories(keep);
        for (Path dir : List.of(current.logDir, current.runDir)) {
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Files.writeString(keep.resolve("wrapper-stderr.txt"), current.stderr());
    }

    private WrapperRun wrapper() throws IOException {
        WrapperRun run = new WrapperRun(tmp).virtV2v(RealGuest.VIRT_V2V);
        current = run;
        if (System.getenv("LIBGUESTFS_BACKEND_SETTINGS") == null) {
            run.env("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg"); // no usable KVM on the project's machines
        }
        return run;
    }

    private String request(String vmName, Path... disks) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("vm_name", vmName);
        r.put("transport_method", "disk");
        r.put("source_disks", java.util.Arrays.stream(disks).map(Path::toString).toList());
        r.put("local_output_dir", tmp.resolve("out").toString());
        r.put("output_format", "raw");
        try {
            return MAPPER.writeValueAsString(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(1)
    void oneDiskConvertsToALocalDirectory() throws Exception {
        Path windows = RealGuest.image("windows.img");
        WrapperRun run = wrapper();
        List<StateWatcher.Seen> seen;
        int rc;
        try (StateWatcher watcher = new StateWatcher(run.stateFile())) {
            run.start(request("win1", windows));
            rc = run.waitFor(CONVERSION_TIMEOUT_S);
            watcher.close();
            seen = watcher.seen();
            assertEquals(List.of(), watcher.invalid(), "a reader saw a partial or invalid state file");
        }
        assertEquals(0, rc, run.stderr());
        assertEquals("", run.stderr());
        assertEquals(1, run.stdout().lines().count(), run.stdout());

        JsonNode fin = run.state();
        assertTrue(fin.get("finished").asBoolean(), fin.toString());
        assertFalse(fin.get("failed").asBoolean(), fin.toString());
        assertEquals(0, fin.get("return_code").asInt());
        assertEquals(1, fin.get("disk_count").asInt());
        assertEquals(List.of(windows.toString()), paths(fin));
        assertEquals(100.0, fin.get("disks").get(0).get("progress").asDouble(), fin.toString());
        assertFalse(fin.has("vm_id"), "local output has no VM id");

        assertTrue(Files.size(tmp.resolve("out/win1-sda")) > 0, "no output disk");
        assertTrue(Files.readString(tmp.resolve("out/win1.xml")).contains("<name>win1</name>"));
        assertTrue(statuses(seen).contains("Inspecting the source"), statuses(seen).toString());
        assertProgressNeverGoesBack(seen);
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    @Order(2)
    void inspectionFailureIsVirtV2vsOwnMessageAndExitCode2() throws Exception {
        WrapperRun run = wrapper();
        run.start(request("blank", RealGuest.image("blank.img")));
        assertEquals(2, run.waitFor(CONVERSION_TIMEOUT_S), run.stderr());
        JsonNode s = run.state();
        assertTrue(s.get("finished").asBoolean(), s.toString());
        assertTrue(s.get("failed").asBoolean(), s.toString());
        assertEquals(1, s.get("return_code").asInt(), s.toString());
        assertEquals("error", s.get("last_message").get("type").asText(), s.toString());
        assertTrue(s.get("last_message").get("message").asText()
                .startsWith("inspection could not detect the source guest"), s.toString());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
        assertTrue(run.stderr().contains("inspection could not detect the source guest"), run.stderr());
        assertFalse(Files.exists(tmp.resolve("out/blank.xml")));
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    @Order(3)
    void twoDisksShowIntermediateProgressOfTheSlowOne() throws Exception {
        Path windows = RealGuest.image("windows.img");
        Path slow = slowDisk();
        WrapperRun run = wrapper();
        List<StateWatcher.Seen> seen;
        int rc;
        try (StateWatcher watcher = new StateWatcher(run.stateFile())) {
            run.start(request("win2", windows, slow));
            rc = run.waitFor(CONVERSION_TIMEOUT_S);
            watcher.close();
            seen = watcher.seen();
            assertEquals(List.of(), watcher.invalid(), "a reader saw a partial or invalid state file");
        }
        assertEquals(0, rc, run.stderr());
        JsonNode fin = run.state();
        assertTrue(fin.get("finished").asBoolean(), fin.toString());
        assertFalse(fin.get("failed").asBoolean(), fin.toString());
        assertEquals(2, fin.get("disk_count").asInt(), fin.toString());
        assertEquals(List.of(windows.toString(), slow.toString()), paths(fin));
        for (JsonNode d : fin.get("disks")) {
            assertEquals(100.0, d.get("progress").asDouble(), fin.toString());
        }
        // While it ran, a reader saw the slow disk part-way.
        List<Double> second = seen.stream().map(StateWatcher.Seen::state)
                .filter(s -> s.path("disks").size() == 2 && !s.has("finished"))
                .map(s -> s.get("disks").get(1).get("progress").asDouble()).distinct().toList();
        assertTrue(second.stream().anyMatch(p -> p > 0 && p < 100), "no intermediate progress of disk 2: " + second
                + "; statuses " + statuses(seen));
        assertTrue(statuses(seen).contains("Copying disk 2/2"), statuses(seen).toString());
        assertProgressNeverGoesBack(seen);
        assertEquals(SlowDisk.SIZE, Files.size(tmp.resolve("out/win2-sdb")));
        assertTrue(Files.exists(tmp.resolve("out/win2-sda")));
        assertTrue(Files.exists(tmp.resolve("out/win2.xml")));
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    @Order(4)
    void sigtermMidCopyStopsVirtV2vAndAllItsChildren() throws Exception {
        Path slow = slowDisk();
        WrapperRun run = wrapper();
        run.start(request("win3", RealGuest.image("windows.img"), slow));
        JsonNode copying = run.awaitState(s -> "Copying disk 2/2".equals(s.path("status").asText()),
                CONVERSION_TIMEOUT_S);
        long v2vPid = copying.get("pid").asLong();
        // virt-v2v and what it runs now (nbdkit per disk, nbdcopy), sampled a few times.
        Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            ProcessHandle.of(v2vPid).ifPresent(h -> tree.putIfAbsent(h.pid(), h));
            run.process().descendants().forEach(h -> tree.putIfAbsent(h.pid(), h));
            Thread.sleep(100);
        }
        Map<Long, String> names = new LinkedHashMap<>();
        tree.values().forEach(h -> names.put(h.pid(), h.info().command().orElse("?")));
        assertTrue(tree.containsKey(v2vPid), "virt-v2v (pid " + v2vPid + ") is not the wrapper's child: " + names);
        assertTrue(names.values().stream().anyMatch(c -> c.endsWith("/nbdcopy")), "no nbdcopy running: " + names);
        assertTrue(names.values().stream().anyMatch(c -> c.endsWith("/nbdkit")), "no nbdkit running: " + names);
        assertEquals("Copying disk 2/2", run.state().path("status").asText(), "the copy ended before the signal");

        long t0 = System.nanoTime();
        run.process().destroy(); // SIGTERM to the pid the caller started (the launcher exec'ed java)
        int rc = run.waitFor(120);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertNotEquals(0, rc, run.stderr());
        List<String> survivors = new ArrayList<>();
        for (ProcessHandle h : tree.values()) {
            if (running(h)) {
                survivors.add(h.pid() + " " + names.get(h.pid()));
            }
        }
        assertEquals(List.of(), survivors, "still running after the wrapper exited (" + seconds + " s after TERM)");
        JsonNode s = run.state();
        assertTrue(s.get("finished").asBoolean(), s.toString());
        assertTrue(s.get("failed").asBoolean(), s.toString());
        assertTrue(s.get("last_message").get("message").asText().contains("SIGTERM"), s.toString());
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
        try (var left = Files.list(tmp.resolve("out"))) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("win3"))
                    .toList(), "partial output disks left behind");
        }
        System.out.printf("SIGTERM mid-copy: wrapper exited %d after %.2f s; processes stopped: %s%n",
                rc, seconds, names);
    }

    // ----- helpers -----

    private static List<String> paths(JsonNode state) {
        List<String> out = new ArrayList<>();
        state.get("disks").forEach(d -> out.add(d.get("path").asText()));
        return out;
    }

    private static Set<String> statuses(List<StateWatcher.Seen> seen) {
        return seen.stream().map(s -> s.state().path("status").asText()).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** Per disk, the progress a reader saw never went down. */
    private static void assertProgressNeverGoesBack(List<StateWatcher.Seen> seen) {
        Map<String, Double> last = new LinkedHashMap<>();
        for (StateWatcher.Seen s : seen) {
            for (JsonNode d : s.state().path("disks")) {
                String path = d.get("path").asText();
                double p = d.get("progress").asDouble();
                Double before = last.put(path, p);
                assertTrue(before == null || p >= before, "progress of " + path + " went from " + before + " to " + p);
            }
        }
    }

    /**
     * Alive and not a zombie: virt-v2v's children are orphans once it is gone, and an exited orphan stays a zombie
     * until pid 1 reaps it (about 1.5 s in the project's containers); it runs nothing and holds no file.
     */
    private static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return h.isAlive();
        }
    }

    private static Set<String> namesIn(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
