package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.throttle.CgroupLayout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 14 through the launcher: a CPU-bound fake virt-v2v (a shell with two busy children) in the run's cgroup,
 * limits from the request and from the throttling file, virt-v2v's --bandwidth-file, and the cgroup removed on
 * every exit path. The CPU parts need a writable cgroup (a v1 {@code cpu} or v2 hierarchy); without one they are
 * skipped, and the state must say {@code "cpu": "unsupported"}.
 */
class ThrottlingLauncherIT {
    static final String VMWARE_SECRET = "Vmw4re-S3cret-thr";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    private final List<Long> children = new ArrayList<>();
    private WrapperRun run;

    @AfterEach
    void stopEverything() throws Exception {
        // A failed assertion must not leave busy loops on a shared machine.
        if (run != null && run.process() != null && run.process().isAlive()) {
            stop(0);
            if (!run.process().waitFor(30, TimeUnit.SECONDS)) {
                run.process().destroyForcibly();
            }
        }
        children.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    String vddkToLocal(String throttling) {
        return """
                {"vm_name": "win7", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1",
                 "vmware_password": "%s",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "local_output_dir": "%s", "throttling": %s}
                """.formatted(VMWARE_SECRET, tmp.resolve("out"), throttling);
    }

    /**
     * The fake: capability and --help calls go to the project's fake; a conversion records its argv and cgroup,
     * starts two busy loops, records every new content of its --bandwidth-file, and exits with the code written
     * to {@code stop} once that file appears.
     */
    private Path fake() throws IOException {
        Path script = tmp.resolve("busy-virt-v2v");
        Files.writeString(script, """
                #!/bin/sh
                if [ $# -eq 1 ] && { [ "$1" = --machine-readable ] || [ "$1" = --help ]; }; then
                  exec "$FAKE_PY" "$1"
                fi
                dir=$FAKE_THR_DIR
                printf '%s\\n' "$@" > "$dir/argv"
                cat /proc/$$/cgroup > "$dir/cgroup"
                bw=; prev=
                for a in "$@"; do [ "$prev" = --bandwidth-file ] && bw=$a; prev=$a; done
                sh -c 'while :; do :; done' & a=$!
                sh -c 'while :; do :; done' & b=$!
                echo $a >> "$FAKE_V2V_CHILDREN"; echo $b >> "$FAKE_V2V_CHILDREN"
                trap 'kill $a $b; exit 143' TERM
                last=
                while [ ! -e "$dir/stop" ]; do
                  if [ -n "$bw" ]; then
                    c=$(cat "$bw" 2>/dev/null)
                    if [ "$c" != "$last" ]; then echo "$c" >> "$dir/bandwidth-seen"; last=$c; fi
                  fi
                  sleep 0.2
                done
                kill $a $b; wait
                exit "$(cat "$dir/stop")"
                """, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private WrapperRun start() throws IOException {
        run = new WrapperRun(tmp).virtV2v(fake()).env("FAKE_PY", ProjectPaths.fakeVirtV2v().toString())
                .env("FAKE_THR_DIR", tmp.toString());
        return run;
    }

    private void stop(int exitCode) throws IOException {
        Path temp = tmp.resolve("stop.tmp");
        Files.writeString(temp, Integer.toString(exitCode));
        Files.move(temp, tmp.resolve("stop"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Written as a caller does it (whole file, then renamed into place). */
    private void writeLimits(String json) throws IOException {
        Path temp = tmp.resolve("limits.tmp");
        Files.writeString(temp, json);
        Files.move(temp, run.runDir.resolve("limits.json"), StandardCopyOption.ATOMIC_MOVE);
    }

    private static Predicate<JsonNode> throttling(String cpu, String network) {
        return s -> cpu.equals(s.path("throttling").path("cpu").asText())
                && network.equals(s.path("throttling").path("network").asText());
    }

    private List<Long> busyChildren() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(run.children)) {
                List<String> lines = Files.readAllLines(run.children);
                if (lines.size() >= 2) {
                    List<Long> pids = lines.stream().map(String::strip).map(Long::parseLong).toList();
                    children.addAll(pids);
                    return pids;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the fake never started its children");
    }

    private void awaitFile(Path file, Predicate<String> content, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && content.test(Files.readString(file))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not within 10 s: " + what + "; " + file + ": "
                + (Files.exists(file) ? Files.readString(file) : "(none)"));
    }

    private void awaitGone(Path file) throws Exception {
        for (int i = 0; i < 200 && Files.exists(file); i++) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(file), file + " was not taken");
    }

    /** The run's cgroups: v2v-wrapper-<wrapper pid>-* next to or below the cgroups of this JVM (= the wrapper's). */
    private List<Path> runCgroups() throws IOException {
        CgroupLayout layout = CgroupLayout.detect();
        List<Path> bases = new ArrayList<>();
        layout.v2Own().ifPresent(own -> {
            bases.add(own);
            Optional.ofNullable(own.getParent()).ifPresent(bases::add);
        });
        layout.v1Own().ifPresent(bases::add);
        String prefix = "v2v-wrapper-" + run.pid() + "-";
        List<Path> out = new ArrayList<>();
        for (Path base : bases) {
            if (!Files.isDirectory(base)) {
                continue;
            }
            try (Stream<Path> list = Files.list(base)) {
                list.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).forEach(out::add);
            }
        }
        return out;
    }

    /** Skips (as an assumption) where the wrapper could make no cgroup; the state must then say so. */
    private Path requireCgroup(JsonNode state) throws Exception {
        String cpu = state.path("throttling").path("cpu").asText();
        if (cpu.equals("unsupported")) {
            assertTrue(state.path("last_message").path("message").asText().startsWith("CPU limit not enforced"),
                    state.toString());
            stop(0);
            run.waitFor(60);
        }
        assumeTrue(!cpu.equals("unsupported"), "no writable cgroup on this host");
        List<Path> cgroups = runCgroups();
        assertEquals(1, cgroups.size(), "one cgroup for the run: " + cgroups);
        awaitFile(tmp.resolve("cgroup"), c -> c.contains(cgroups.get(0).getFileName().toString()),
                "the fake virt-v2v runs in the run's cgroup");
        return cgroups.get(0);
    }

    /** The quota the kernel enforces, as "<quota in us per 100 ms>" or "unlimited" (v1 and v2 alike). */
    private static String quota(Path cgroup) throws IOException {
        Path v2 = cgroup.resolve("cpu.max");
        String q = Files.exists(v2) ? Files.readString(v2).strip().split(" ")[0]
                : Files.readString(cgroup.resolve("cpu.cfs_quota_us")).strip();
        return q.equals("max") || q.equals("-1") ? "unlimited" : q;
    }

    /**
     * Whether the machine has a CPU to spare (1-minute load average below the number of cores). A quota is a
     * ceiling: on a saturated machine (the project's 2 cores are shared by many builds) two busy loops get less
     * than their limit, so only the ceiling can be asserted there.
     */
    private static boolean idleEnough() throws IOException {
        double load = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        return load < Runtime.getRuntime().availableProcessors() - 0.5;
    }

    /** Within the limit ± 10 points of one CPU where the machine has room; never above limit + 10 points. */
    private static void assertShare(int limit, double share, boolean idleEnough) {
        String what = "with a " + limit + "% limit the children used " + share + "% of a CPU";
        assertTrue(share <= limit + 10, what);
        if (idleEnough) {
            assertTrue(share >= Math.max(limit - 10, limit / 3.0), what);
        } else {
            System.out.println(what + " (machine saturated: only the ceiling is checked)");
        }
    }

    private void assertCgroupGone(Path cgroup) throws Exception {
        // Removal retries for up to 2 s while the last processes exit; the wrapper has exited by now.
        assertFalse(Files.exists(cgroup), "cgroup left behind: " + cgroup);
        assertEquals(List.of(), runCgroups());
    }

    @Test
    void limitsFromTheRequestAndTheFileAreInForceAndTheCgroupGoesAfterSuccess() throws Exception {
        start();
        // A file left from an earlier run is not this run's: removed before the stdout line names the file.
        Files.writeString(run.runDir.resolve("limits.json"), "{\"cpu\": \"5%\"}");
        run.start(vddkToLocal("{\"cpu\": \"30%\", \"network\": \"1048576\"}"));
        JsonNode started = run.awaitState(s -> s.has("pid") && s.has("throttling"), 60);
        Path cgroup = requireCgroup(started);
        assertEquals("30%", started.get("throttling").get("cpu").asText());
        assertEquals("1048576", started.get("throttling").get("network").asText());
        // The stdout line names the file.
        JsonNode line = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.stdout().strip());
        assertEquals(run.runDir.resolve("limits.json").toString(), line.get("throttling_file").asText());

        // --bandwidth-file reached virt-v2v with bits per second.
        List<String> argv = Files.readAllLines(tmp.resolve("argv"));
        assertEquals(run.runDir.resolve("bandwidth").toString(), argv.get(argv.indexOf("--bandwidth-file") + 1));
        Path seen = tmp.resolve("bandwidth-seen");
        awaitFile(seen, c -> c.lines().toList().equals(List.of("8388608")), "bandwidth file at 1 MiB/s");

        List<Long> pids = busyChildren();
        assertEquals("30000", quota(cgroup));
        Thread.sleep(300);
        boolean idleEnough = idleEnough();
        double limited = CpuShare.of(pids, 5000);
        assertShare(30, limited, idleEnough && idleEnough());
        assertEquals("30000", quota(cgroup), "the earlier run's file was applied");

        // Lowered through the file: taken (removed), applied, recorded; the bandwidth file is rewritten.
        writeLimits("{\"cpu\": \"10%\", \"network\": \"2097152\"}");
        run.awaitState(throttling("10%", "2097152"), 10);
        awaitGone(run.runDir.resolve("limits.json"));
        awaitFile(seen, c -> c.lines().toList().equals(List.of("8388608", "16777216")), "bandwidth file at 2 MiB/s");
        assertEquals("10000", quota(cgroup));
        Thread.sleep(300);
        idleEnough = idleEnough();
        double low = CpuShare.of(pids, 3000);
        assertShare(10, low, idleEnough && idleEnough());

        // Lifted; the missing network key keeps its value. On this shared machine "unlimited" is measured as
        // a rise from the 10% step, not as an absolute figure.
        writeLimits("{\"cpu\": \"unlimited\"}");
        run.awaitState(throttling("unlimited", "2097152"), 10);
        awaitGone(run.runDir.resolve("limits.json"));
        assertEquals("unlimited", quota(cgroup));
        Thread.sleep(300);
        double unlimited = CpuShare.of(pids, 3000);
        assertTrue(unlimited > low * 1.5, "unlimited: " + unlimited + "%, at 10%: " + low + "%");
        System.out.printf("launcher, cpu share of two busy children of virt-v2v: 30%% -> %.1f%%, 10%% -> %.1f%%, "
                + "unlimited -> %.1f%%%n", limited, low, unlimited);

        // Malformed: a warning, nothing changes, the file is still taken, the conversion goes on.
        writeLimits("{\"cpu\": \"50\", \"network\": \"1\"}");
        JsonNode warned = run.awaitState(s -> s.path("last_message").path("message").asText()
                .startsWith("throttling file ignored: cpu"), 10);
        assertEquals("warning", warned.get("last_message").get("type").asText());
        assertTrue(throttling("unlimited", "2097152").test(warned), warned.toString());
        awaitGone(run.runDir.resolve("limits.json"));
        writeLimits("{\"cpu\": ");
        run.awaitState(s -> s.path("last_message").path("message").asText()
                .startsWith("throttling file ignored: it is not valid JSON"), 10);
        awaitGone(run.runDir.resolve("limits.json"));
        assertTrue(run.process().isAlive(), "the wrapper must go on after a malformed file");
        assertEquals(List.of("8388608", "16777216"), Files.readAllLines(seen));

        stop(0);
        assertEquals(0, run.waitFor(60), run.stderr());
        JsonNode fin = run.state();
        assertFalse(fin.get("failed").asBoolean(), fin.toString());
        assertTrue(throttling("unlimited", "2097152").test(fin), fin.toString());
        assertCgroupGone(cgroup);
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    void theCgroupGoesAfterAFailure() throws Exception {
        start().start(vddkToLocal("{\"cpu\": \"30%\"}"));
        Path cgroup = requireCgroup(run.awaitState(s -> s.has("pid") && s.has("throttling"), 60));
        busyChildren();
        stop(3);
        assertEquals(2, run.waitFor(60));
        JsonNode fin = run.state();
        assertTrue(fin.get("failed").asBoolean());
        assertEquals("virt-v2v failed with exit code 3", fin.get("last_message").get("message").asText());
        assertTrue(throttling("30%", "unlimited").test(fin), fin.toString());
        assertCgroupGone(cgroup);
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    void theCgroupGoesAfterSigterm() throws Exception {
        start().start(vddkToLocal("{\"cpu\": \"30%\"}"));
        Path cgroup = requireCgroup(run.awaitState(s -> s.has("pid") && s.has("throttling"), 60));
        List<Long> pids = busyChildren();
        run.process().destroy(); // SIGTERM to the wrapper
        assertNotEquals(0, run.waitFor(60));
        JsonNode fin = run.state();
        assertTrue(fin.get("failed").asBoolean());
        assertTrue(fin.get("last_message").get("message").asText().contains("SIGTERM"), fin.toString());
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    && !isZombie(pid), "busy child " + pid + " survived");
        }
        assertCgroupGone(cgroup);
        assertEquals(Set.of("state.json"), namesIn(run.runDir));
    }

    @Test
    void aVirtV2vWithoutBandwidthFileGetsNoneAndTheStateSaysUnsupported() throws Exception {
        start().env("FAKE_V2V_NO_BANDWIDTH_FILE", "1").start(vddkToLocal("{\"network\": \"1048576\"}"));
        JsonNode started = run.awaitState(s -> s.has("pid") && s.has("throttling"), 60);
        assertEquals("unsupported", started.get("throttling").get("network").asText(), started.toString());
        JsonNode warned = run.awaitState(s -> s.path("last_message").path("message").asText()
                .contains("network limit not enforced"), 10);
        assertEquals("warning", warned.get("last_message").get("type").asText());
        awaitFile(tmp.resolve("argv"), c -> !c.isEmpty(), "the fake's argv");
        assertFalse(Files.readAllLines(tmp.resolve("argv")).contains("--bandwidth-file"));
        busyChildren();
        stop(0);
        assertEquals(0, run.waitFor(60), run.stderr());
        assertFalse(run.state().get("failed").asBoolean());
        assertEquals(List.of(), runCgroups());
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (IOException e) {
            return true;
        }
    }

    private static Set<String> namesIn(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** The share of one CPU that processes used over a while, from utime + stime in /proc/PID/stat. */
    static final class CpuShare {
        private CpuShare() {
        }

        static double of(List<Long> pids, long millis) throws Exception {
            long ticksPerSecond = clockTicks();
            long before = ticks(pids);
            long t0 = System.nanoTime();
            Thread.sleep(millis);
            long after = ticks(pids);
            double seconds = (System.nanoTime() - t0) / 1e9;
            return 100.0 * (after - before) / ticksPerSecond / seconds;
        }

        private static long clockTicks() throws Exception {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "getconf hung");
            return Long.parseLong(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip());
        }

        private static long ticks(List<Long> pids) {
            long sum = 0;
            for (long pid : pids) {
                try {
                    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException e) {
                    // gone
                }
            }
            return sum;
        }
    }
}
