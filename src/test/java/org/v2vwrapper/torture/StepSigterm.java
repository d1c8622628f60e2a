package org.v2vwrapper.torture;

import com.fasterxml.jackson.databind.JsonNode;
import org.v2vwrapper.e2e.WrapperRun;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Issue 17 item 7, the SIGTERM part: a run of an itinerary gets SIGTERM as soon as the wrapper log says step
 * {@code k} started (the INFO line {@code step: <name> (<timeout>)} that {@code run.ConversionRun} writes before
 * each step), and then must end as docs/cli.md and docs/reliability.md say: the exit code of the step the signal
 * landed in (1 before the itinerary's point of no return, 2 from it on, 0 for {@code nbd_export_only}'s
 * {@code Exporting}), {@code finished: true} as the state's last key with {@code failed} to match, nothing in the
 * run directory but {@code state.json} (no secret directory, temporary file or ledger), no process of the run,
 * nothing on the destination's fakes. A short step may be over before the signal is handled: the step it
 * landed in is read from the log ({@code terminating:} after the last {@code step:} line).
 */
public final class StepSigterm {
    /** The steps of each itinerary, as the wrapper log's {@code mode …: [...]} line lists them (checked). */
    public static final Map<String, List<String>> STEPS = Map.of(
            "cold", List.of("Checking virt-v2v", "Checking the destination", "Building the virt-v2v command",
                    "Starting virt-v2v", "Finishing"),
            "warm", List.of("Checking virt-v2v", "Preparing", "Pre-copy", "Writing the conversion XML",
                    "Converting the guest", "Inspecting the converted guest", "Committing the overlays",
                    "Creating the VM"),
            "osp2osp", List.of("Checking the clouds", "Shutting down the source VM", "Listing the source volumes",
                    "Copying the root volume", "Detaching the data volumes",
                    "Attaching volumes to the source conversion host", "Exporting", "Creating the destination volumes",
                    "Attaching volumes to the destination conversion host", "Copying disks",
                    "Detaching volumes from the destination conversion host", "Restoring the source VM",
                    "Creating instance"),
            "nbd_export_only", List.of("Starting the exports", "Exporting"));

    /** The step from which a failure or stop is "started and failed" (exit 2): ColdSteps, PreCopySteps, OspToOspSteps. */
    static final Map<String, String> POINT_OF_NO_RETURN = Map.of("cold", "Starting virt-v2v", "warm", "Pre-copy",
            "osp2osp", "Copying disks");

    private static final Pattern STEP = Pattern.compile("ConversionRun: step: (.+) \\([^()]*\\)$");
    private static final Pattern MODE = Pattern.compile("ConversionRun: mode [^:]+: \\[(.*)\\]$");

    /** One SIGTERM: where it was aimed, where it landed, how the run ended, what is wrong with that. */
    public record Outcome(String itinerary, String destination, String aimedAt, String landedIn, int exitCode,
                          boolean failed, String lastMessage, List<String> problems, long millis) {
        public String line() {
            return "%s/%s: SIGTERM at \"%s\" landed in \"%s\": exit %d, failed %s, %.1f s%s".formatted(itinerary,
                    destination, aimedAt, landedIn, exitCode, failed, millis / 1000.0,
                    problems.isEmpty() ? "" : "; PROBLEMS " + problems);
        }
    }

    private StepSigterm() {
    }

    public static String itineraryOf(TortureDestination dest) {
        return switch (dest.name()) {
            case "warm" -> "warm";
            case "osp2osp" -> "osp2osp";
            case "nbd_export_only" -> "nbd_export_only";
            default -> "cold";
        };
    }

    /** Iteration {@code i} of {@code dest} in {@code dir} (its own run directory), SIGTERM at step {@code step}. */
    public static Outcome run(TortureDestination dest, String step, int i, Path dir) throws Exception {
        String itinerary = itineraryOf(dest);
        List<String> steps = STEPS.get(itinerary);
        if (!steps.contains(step)) {
            throw new IllegalArgumentException(step + " is not a step of " + itinerary);
        }
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>();
        WrapperRun run = dest.prepare(new WrapperRun(dir), i).start(dest.request(dir, i));
        Path log = run.logDir.resolve("virt-v2v-wrapper.log");
        boolean sent = false;
        long deadline = System.nanoTime() + 120_000_000_000L;
        StringBuilder seen = new StringBuilder();
        long offset = 0;
        while (run.process().isAlive() && System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                    if (f.length() > offset) {
                        byte[] b = new byte[(int) (f.length() - offset)];
                        f.seek(offset);
                        f.readFully(b);
                        offset += b.length;
                        seen.append(new String(b, StandardCharsets.UTF_8));
                    }
                }
                if (seen.indexOf("ConversionRun: step: " + step + " (") >= 0) {
                    run.process().destroy(); // SIGTERM
                    sent = true;
                    break;
                }
            }
            Thread.sleep(2);
        }
        if (!sent) {
            if (run.process().isAlive()) {
                run.process().destroy();
                problems.add("step \"" + step + "\" never started within 120 s");
            } else {
                problems.add("the run ended (exit " + run.process().exitValue() + ") before step \"" + step
                        + "\" started");
            }
        }
        int rc = run.waitFor(90);
        String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        String landed = landedIn(text);
        Matcher mode = text.lines().map(MODE::matcher).filter(Matcher::find).findFirst().orElse(null);
        if (mode == null || !List.of(mode.group(1).split(", ")).equals(steps)) {
            problems.add("the log's itinerary " + (mode == null ? "(none)" : mode.group(1)) + " is not " + steps);
        }

        // The exit code and the state's end as documented.
        Set<Integer> expected = expectedExit(itinerary, steps, landed, dest);
        if (!expected.contains(rc)) {
            problems.add("exit " + rc + ", expected " + expected + " (landed in " + landed + ")");
        }
        boolean failed = false;
        String message = "";
        if (!Files.exists(run.stateFile())) {
            problems.add("no state file");
        } else {
            JsonNode s = run.state();
            failed = s.path("failed").asBoolean();
            message = s.path("last_message").path("message").asText("");
            List<String> keys = new ArrayList<>();
            s.fieldNames().forEachRemaining(keys::add);
            if (!s.path("finished").asBoolean() || !"finished".equals(keys.get(keys.size() - 1))) {
                problems.add("finished is not true as the last write: " + keys);
            }
            if (failed != (rc != 0)) {
                problems.add("failed " + failed + " with exit " + rc);
            }
            if (rc != 0 && !message.contains("SIGTERM")) {
                problems.add("last_message does not say SIGTERM: " + message);
            }
        }
        if (run.stderr().lines().count() > 1) {
            problems.add("stderr is not one line: " + run.stderr());
        }

        // Nothing left: files, processes, remote objects.
        try (Stream<Path> files = Files.list(run.runDir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("state.json"))
                    .filter(n -> !dest.callerFiles().contains(n)).forEach(n -> problems.add("left in the run dir: " + n));
        }
        Set<Long> pids = new LinkedHashSet<>();
        if (Files.exists(run.stateFile()) && run.state().has("pid")) {
            pids.add(run.state().get("pid").asLong());
        }
        if (Files.exists(run.children)) {
            for (String l : Files.readAllLines(run.children)) {
                if (!l.isBlank()) {
                    pids.add(Long.parseLong(l.strip()));
                }
            }
        }
        pids.addAll(KillTorture.processesOf(dir, dest));
        for (long p : pids) {
            for (int w = 0; w < 100 && KillTorture.running(p); w++) {
                Thread.sleep(20);
            }
            if (KillTorture.running(p)) {
                problems.add("process left: " + p + " " + ProcessHandle.of(p).flatMap(h -> h.info().commandLine())
                        .orElse(""));
            }
        }
        Set<Integer> completed = rc == 0 ? Set.of(i) : Set.of();
        dest.remoteLeftovers(i + 1, completed).forEach(o -> problems.add("remote left: " + o));
        return new Outcome(itinerary, dest.name(), step, landed, rc, failed, message, problems,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** The step that was running when the wrapper logged {@code terminating:}, or {@code (ended)} if it never did. */
    static String landedIn(String log) {
        String current = "(before the first step)";
        boolean failed = false;
        for (String line : log.split("\n")) {
            Matcher m = STEP.matcher(line);
            if (m.find()) {
                current = m.group(1);
            } else if (line.contains("ConversionRun: conversion failed:")) {
                failed = true;
            } else if (line.contains("lifecycle.Cleanup: cleanup:") && !failed) {
                current = AFTER_THE_STEPS; // the steps are done: the run is in its final cleanup
            } else if (line.contains("ConversionRun: terminating:")) {
                return current;
            }
        }
        return ENDED;
    }

    static final String AFTER_THE_STEPS = "(after the last step)";
    static final String ENDED = "(ended before the signal)";

    /** docs/cli.md "Exit codes" and "Signals", docs/input.md for nbd_export_only. */
    static Set<Integer> expectedExit(String itinerary, List<String> steps, String landed, TortureDestination dest) {
        if (landed.equals(ENDED) || landed.equals(AFTER_THE_STEPS)) {
            return Set.of(dest.lastExitCode());
        }
        if (landed.equals("(before the first step)")) {
            return Set.of(1);
        }
        int j = steps.indexOf(landed);
        if (itinerary.equals("nbd_export_only")) {
            return landed.equals("Exporting") ? Set.of(0) : Set.of(1);
        }
        int ponr = steps.indexOf(POINT_OF_NO_RETURN.get(itinerary));
        if (j < ponr) {
            return Set.of(1);
        }
        // In the step that passes the point of no return, a signal before that line still ends as "not started".
        return j == ponr ? Set.of(1, 2) : Set.of(2);
    }
}
