package org.v2vwrapper.torture;

import com.fasterxml.jackson.databind.JsonNode;
import org.v2vwrapper.e2e.StateWatcher;
import org.v2vwrapper.e2e.WrapperRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Issue 17 item 7, the SIGKILL part: on one run directory, {@code kills} times, start the launcher on a
 * destination's itinerary and SIGKILL it at a random moment (0 to {@code maxDelayMs} after start), while a
 * reader parses the state file continuously; then one last run on the same directory (it cleans up after the
 * dead ones) and the count of what is left: secret directories, temporary files, the ledger, processes of any
 * run, objects on the destination's fake. Used by {@code TortureIT} (short form) and {@code bench/torture/}.
 */
public final class KillTorture {

    /** The figures of one torture run. */
    public record Result(String destination, int kills, long reads, List<String> invalidReads,
                         List<String> leftFiles, List<Long> survivingProcesses, List<String> remoteLeftovers,
                         int completedBeforeKill, int lastExitCode, long millis,
                         java.util.SortedMap<String, Integer> statusAtKill) {
        public boolean clean() {
            return locallyClean() && remoteLeftovers.isEmpty();
        }

        /** No invalid read, no file left in the run directory, no process left. */
        public boolean locallyClean() {
            return invalidReads.isEmpty() && leftFiles.isEmpty() && survivingProcesses.isEmpty();
        }

        public String line() {
            return ("%s: %d kills (%d runs had ended before their kill), %d state reads, %d invalid, files left %s,"
                    + " processes left %s, remote left %s, last run exit %d, %.1f s; status at the kill %s")
                    .formatted(destination, kills, completedBeforeKill, reads, invalidReads.size(), leftFiles,
                            survivingProcesses, remoteLeftovers, lastExitCode, millis / 1000.0, statusAtKill);
        }
    }

    private KillTorture() {
    }

    public static Result run(TortureDestination dest, int kills, long maxDelayMs, Path dir, long seed)
            throws Exception {
        Random random = new Random(seed);
        long t0 = System.nanoTime();
        // pid -> its start time when first seen: pids wrap (pid_max 32768 here) during a long run on a busy host, so
        // a process counts as left only if the same process (same start time) is still there.
        Map<Long, Optional<Instant>> pids = new LinkedHashMap<>();
        long reads = 0;
        List<String> invalid = new ArrayList<>();
        Set<Integer> completed = new java.util.TreeSet<>();
        Set<Integer> results = new java.util.TreeSet<>();
        java.util.SortedMap<String, Integer> statusAtKill = new java.util.TreeMap<>();
        for (int i = 0; i < kills; i++) {
            WrapperRun run = start(dest, dir, i);
            try (StateWatcher watcher = new StateWatcher(run.stateFile())) {
                Thread.sleep(random.nextLong(maxDelayMs + 1));
                latestPid(run).ifPresent(p -> remember(pids, p));
                if (!run.process().isAlive()) {
                    completed.add(i); // it ended on its own before the kill: its VM is a result, not a leftover
                }
                run.process().destroyForcibly();
                run.process().waitFor();
                statusAtKill.merge(status(run), 1, Integer::sum);
                if (succeeded(run)) {
                    results.add(i); // killed while exiting after its success: its VM is a result as well
                }
                dest.afterKill(i, run.runDir);
                Thread.sleep(50); // the reader sees the file as the killed wrapper left it
                reads += watcher.reads();
                invalid.addAll(watcher.invalid());
            }
            latestPid(run).ifPresent(p -> remember(pids, p));
            children(run).forEach(p -> remember(pids, p));
        }
        // The next run: it takes the directory over, removes the dead runs' files and replays their ledger.
        WrapperRun last = start(dest, dir, kills);
        int rc;
        try (StateWatcher watcher = new StateWatcher(last.stateFile())) {
            rc = last.waitFor(180);
            if (rc != dest.lastExitCode()) {
                // What the final run said, for a failure that must be explained (the run directory is removed).
                System.out.println("torture " + dest.name() + ": the final run exited " + rc + ": stderr "
                        + last.stderr().strip() + "; last_message " + last.state().path("last_message"));
                java.nio.file.Path log = last.logDir.resolve("virt-v2v-wrapper.log");
                if (Files.exists(log)) {
                    Files.readAllLines(log).stream().filter(l -> l.contains("WARN") || l.contains("ERROR"))
                            .forEach(l -> System.out.println("torture " + dest.name() + ": final run log: " + l));
                }
            }
            reads += watcher.reads();
            invalid.addAll(watcher.invalid());
        }
        latestPid(last).ifPresent(p -> remember(pids, p));
        children(last).forEach(p -> remember(pids, p));
        processesOf(dir, dest).forEach(p -> remember(pids, p));
        List<Long> alive = new ArrayList<>();
        // One deadline for all: a killed run's ssh-agent notices that its parent (`cat`, which saw EOF) is gone
        // only at its next check, every 10 s (OpenSSH's ssh-agent), and the last kill may be just before the
        // final run, which can take less than that.
        long deadline = System.nanoTime() + 12_000_000_000L;
        for (var e : pids.entrySet()) {
            long p = e.getKey();
            if (e.getValue().isEmpty()) {
                continue; // already gone when its pid was read
            }
            while (System.nanoTime() < deadline && sameProcessRunning(p, e.getValue().get())) {
                Thread.sleep(20);
            }
            if (sameProcessRunning(p, e.getValue().get())) {
                // Remote exports included: the source conversion host's teardown session must have stopped them.
                System.out.println("torture " + dest.name() + ": left running: " + p + " "
                        + ProcessHandle.of(p).flatMap(h -> h.info().commandLine())
                                .orElse(ProcessHandle.of(p).flatMap(h -> h.info().command()).orElse("?")));
                alive.add(p);
            }
        }
        List<String> left = new ArrayList<>();
        try (Stream<Path> s = Files.list(last.runDir)) {
            s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("state.json"))
                    .filter(n -> !dest.callerFiles().contains(n)).forEach(left::add);
        }
        // (ssh-agent's socket lives in the run's secret directory, counted above: SshAgentTest. The /tmp fallback is
        // not checked here: the other tests on the host make and remove their own there.)
        results.addAll(completed);
        return new Result(dest.name(), kills, reads, invalid, left, alive, dest.remoteLeftovers(kills, results),
                completed.size(), rc,
                (System.nanoTime() - t0) / 1_000_000, statusAtKill);
    }

    private static WrapperRun start(TortureDestination dest, Path dir, int i) throws IOException {
        return dest.prepare(new WrapperRun(dir), i).start(dest.request(dir, i));
    }

    private static java.util.Optional<Long> latestPid(WrapperRun run) {
        try {
            if (Files.exists(run.stateFile())) {
                JsonNode s = run.state();
                if (s.has("pid")) {
                    return java.util.Optional.of(s.get("pid").asLong());
                }
            }
        } catch (IOException e) {
            // counted by the reader
        }
        return java.util.Optional.empty();
    }

    /** The state's status as the killed run left it ({@code -} before the first state write). */
    private static String status(WrapperRun run) {
        try {
            return Files.exists(run.stateFile()) ? run.state().path("status").asText("-") : "-";
        } catch (IOException e) {
            return "(unreadable)";
        }
    }

    /** Whether the run's state file, as the kill left it, says it finished without failing. */
    private static boolean succeeded(WrapperRun run) {
        try {
            return Files.exists(run.stateFile()) && run.state().path("finished").asBoolean(false)
                    && !run.state().path("failed").asBoolean(true);
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Long> children(WrapperRun run) throws IOException {
        List<Long> out = new ArrayList<>();
        if (Files.exists(run.children)) {
            for (String line : Files.readAllLines(run.children)) {
                if (!line.isBlank()) {
                    out.add(Long.parseLong(line.strip()));
                }
            }
        }
        return out;
    }

    /**
     * Every process whose command line names the torture directory or the destination's fakes (ssh tunnels, nbdkit
     * on a fake conversion host, flock holders), or whose environment does (whatever a launcher started inherits
     * {@code FAKE_V2V_RECORD=<dir>/…}: an ssh-agent with its socket in /tmp, a helper's helper). Not this JVM.
     */
    static List<Long> processesOf(Path dir, TortureDestination dest) {
        List<String> markers = new ArrayList<>(dest.processMarkers());
        markers.add(dir.toString());
        long self = ProcessHandle.current().pid();
        List<Long> out = new ArrayList<>();
        ProcessHandle.allProcesses().filter(h -> h.pid() != self).forEach(h -> {
            String cmd = h.info().commandLine().orElse("");
            String env;
            try {
                env = new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "environ")),
                        java.nio.charset.StandardCharsets.ISO_8859_1);
            } catch (IOException | RuntimeException e) {
                env = ""; // gone, or not ours to read
            }
            for (String m : markers) {
                if (cmd.contains(m) || env.contains(m)) {
                    out.add(h.pid());
                    return;
                }
            }
        });
        return out;
    }

    private static void remember(Map<Long, Optional<Instant>> pids, long pid) {
        pids.putIfAbsent(pid, running(pid)
                ? ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()) : Optional.empty());
    }

    private static boolean sameProcessRunning(long pid, Instant started) {
        return running(pid) && ProcessHandle.of(pid).flatMap(h -> h.info().startInstant())
                .map(started::equals).orElse(false);
    }

    static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }
}
