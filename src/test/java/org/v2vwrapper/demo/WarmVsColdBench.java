package org.v2vwrapper.demo;

import com.fasterxml.jackson.databind.JsonNode;
import org.v2vwrapper.e2e.WrapperRun;
import org.v2vwrapper.real.RealGuest;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figures for docs/performance.md (run by bench/warm-vs-cold.sh; not a test): the downtime of a warm migration of
 * the phony Windows test guest to {@code local_output_dir} (cutover file touched → {@code finished} in the state
 * file) against a one-phase cold conversion of the same guest ({@code transport_method: disk}, wrapper start →
 * {@code finished}), with the real virt-v2v 2.2 tools under TCG, interleaved over ROUNDS rounds (the order swaps
 * every round). Both sides get a second disk of random data (the same image), read at the same rate: warm through
 * the fake nbdkit with nbdkit's rate filter in front, cold through the caller's nbdfuse mount of the image behind
 * the rate filter (a network-limited vSphere, both ways). Warm: the fake vSphere runs the guest, pre-copy #1 copies
 * it, the bench waits until the early {@code virt-v2v-inspector} run on the pre-copied disks has ended (a real warm
 * migration waits hours before its cutover), the guest writes a file (guestfish), then the cutover. Each figure is
 * broken down by the state file's statuses.
 *
 * <p>Arguments: ROUNDS, an empty work directory (the caller removes it), the data image for the warm side (empty:
 * none), the path the cold side reads it at (the rate-limited mount, or the image itself) and the rate (nbdkit's
 * rate filter's {@code rate=}, 0: unlimited). Exit status 0, or 3 on a failure.
 */
public final class WarmVsColdBench {
    private WarmVsColdBench() {
    }

    /** One measured run: the total and its segments, in seconds. */
    record Figure(double total, List<String> segments, WrapperRun run) {
    }

    /** A part of a run, ending when a status matching {@code endsAt} is first seen (the last one: at the end). */
    record Segment(String name, Predicate<String> endsAt) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        Path work = Path.of(args[1]);
        Data data = args.length > 2 && !args[2].isEmpty() ? new Data(Path.of(args[2]), Path.of(args[3]), args[4]) : null;
        WrapperRun[] running = new WrapperRun[1];
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            GuestOnFakeVsphere.stopChildren();
            Runs.stop(running[0]);
        }, "stop-children"));
        int rc = 0;
        try {
            Runs.requireTools();
            bench(rounds, work, data, running);
        } catch (Exception | AssertionError e) {
            System.err.println("warm-vs-cold bench: " + e);
            rc = 3;
        }
        System.exit(rc);
    }

    /** The second disk: the image (warm), the path the cold side reads it at, the read rate ("0": unlimited). */
    record Data(Path image, Path coldPath, String rate) {
        boolean limited() {
            return !rate.equals("0");
        }
    }

    private static void bench(int rounds, Path work, Data data, WrapperRun[] running) throws Exception {
        Path windows = RealGuest.image("windows.img");
        List<Double> warm = new ArrayList<>();
        List<Double> cold = new ArrayList<>();
        System.out.printf("test guest %s (%d MiB), LIBGUESTFS_BACKEND_SETTINGS=%s, load %s%n", windows,
                Files.size(windows) >> 20, System.getenv().getOrDefault("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg"),
                Files.readString(Path.of("/proc/loadavg")).strip());
        Path rateNbdkit = null;
        if (data != null) {
            System.out.printf("second disk: %s (%d MiB of random data), read at %s bit/s on both sides"
                    + " (warm: fake nbdkit + rate filter; cold: %s)%n", data.image(), Files.size(data.image()) >> 20,
                    data.limited() ? data.rate() : "unlimited", data.coldPath());
            if (data.limited()) {
                rateNbdkit = rateLimitedNbdkit(work, data.rate());
            }
        }
        try (FakeVsphere fake = FakeVsphere.start(work.resolve("fake"))) {
            for (int round = 1; round <= rounds; round++) {
                boolean warmFirst = round % 2 == 1;
                for (int k = 0; k < 2; k++) {
                    Path dir = Files.createDirectories(work.resolve("r" + round + "-" + k));
                    if ((k == 0) == warmFirst) {
                        Figure f = warm(fake, "warm" + round, windows, data, rateNbdkit, dir, running);
                        warm.add(f.total());
                        print(round, "warm, cutover → finished", f);
                        printPhases(f.run());
                    } else {
                        Figure f = cold("cold" + round, windows, data, dir, running);
                        cold.add(f.total());
                        print(round, "cold one-phase, start → finished", f);
                        printPhases(f.run());
                    }
                    delete(dir);
                    System.out.println("         load " + Files.readString(Path.of("/proc/loadavg")).strip());
                }
            }
        }
        System.out.printf(Locale.ROOT, "median of %d rounds: warm downtime %.1f s, cold one-phase %.1f s,"
                + " warm/cold %.2f%n", rounds, median(warm), median(cold), median(warm) / median(cold));
    }

    private static void print(int round, String what, Figure f) {
        System.out.printf(Locale.ROOT, "round %d  %-34s %6.1f s   (%s)%n", round, what, f.total(),
                String.join(", ", f.segments()));
    }

    /**
     * virt-v2v's own clock per phase ({@code [  47.4] Inspecting the source} lines of each virt-v2v log of the
     * run: virt-v2v, virt-v2v-in-place, virt-v2v-inspector), printed under the figure: where the time went.
     */
    private static void printPhases(WrapperRun run) throws java.io.IOException {
        String inspector = wrapperLog(run).contains("the pre-copied guest was inspected while waiting")
                ? "inspector (early, before the cutover)" : "inspector";
        Pattern phase = Pattern.compile("^\\[ *([0-9]+\\.[0-9])\\] (.*)$");
        try (var logs = Files.list(run.logDir)) {
            for (Path log : logs.filter(p -> !Files.isSymbolicLink(p)).sorted().toList()) {
                String name = log.getFileName().toString();
                if (name.startsWith("virt-v2v-mr") || name.startsWith("virt-v2v-wrapper")) {
                    continue; // the machine-readable copy and our own log: no phase lines
                }
                StringBuilder b = new StringBuilder();
                for (String line : Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                    Matcher m = phase.matcher(line);
                    if (m.matches()) {
                        String text = m.group(2);
                        b.append(b.length() == 0 ? "" : " | ").append(m.group(1)).append(' ')
                                .append(text.length() > 28 ? text.substring(0, 28) : text);
                    }
                }
                if (b.length() > 0) {
                    System.out.println("         " + (name.startsWith("virt-v2v-inspector") ? inspector : "virt-v2v")
                            + ": " + b);
                }
            }
        }
    }

    /**
     * The real nbdkit with the rate filter in front of the {@code file} plugin, as {@code REAL_NBDKIT} of the fake
     * nbdkit: every disk of the fake vSphere is read at {@code rate} (per nbdkit, i.e. per disk, as nbdfuse serves the
     * cold side's data disk). Other runs (probes, {@code --version}) go to nbdkit unchanged.
     */
    private static Path rateLimitedNbdkit(Path work, String rate) throws java.io.IOException {
        if (!rate.matches("[0-9]+[kKMG]?")) {
            throw new IllegalArgumentException("rate must be like 400M (nbdkit's rate filter): " + rate);
        }
        Path script = work.resolve("nbdkit-rate");
        Files.writeString(script, "#!/bin/bash\n"
                + "for a in \"$@\"; do [ \"$a\" = file ] && exec nbdkit --filter=rate \"$@\" rate=" + rate + "; done\n"
                + "exec nbdkit \"$@\"\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static Figure warm(FakeVsphere fake, String vm, Path windows, Data data, Path rateNbdkit, Path dir,
            WrapperRun[] running) throws Exception {
        GuestOnFakeVsphere guest = data == null ? GuestOnFakeVsphere.add(fake, vm, windows, dir)
                : GuestOnFakeVsphere.add(fake, vm, windows, dir, data.image());
        fake.setShutdownDelay(vm, Duration.ofSeconds(1));
        Path out = Files.createDirectories(dir.resolve("out"));
        WrapperRun run = Runs.wrapper(dir.resolve("wrapper"), fake);
        if (rateNbdkit != null) {
            run.env("REAL_NBDKIT", rateNbdkit.toString());
        }
        running[0] = run.start(Runs.warmRequest(fake, vm, out, data == null ? 1 : 2).toString());
        try (StateTicker ticker = new StateTicker(run.stateFile(), null, null)) {
            long c0 = System.nanoTime();
            ticker.await(StateTicker.waitingAfterCopy(1), 900, run.process());
            long c1 = System.nanoTime();
            String early = awaitEarlyInspection(run, 900);
            long c2 = System.nanoTime();
            System.out.printf(Locale.ROOT, "         warm before the cutover: start → waiting after copy #1 %.1f s,"
                    + " then %s %.1f s%n", seconds(c0, c1), early, seconds(c1, c2));
            guest.writeFile("/bench/" + vm + ".txt", "the last change before the cutover");
            long t0 = System.nanoTime();
            Files.createFile(run.runDir.resolve("cutover"));
            JsonNode end = ticker.await(s -> s.path("finished").asBoolean(), 1800, run.process());
            long t1 = System.nanoTime();
            check(run, end);
            boolean skipped = wrapperLog(run).contains("the pre-copied guest was inspected while waiting");
            List<StateTicker.StatusSeen> seen = ticker.statuses();
            return new Figure(seconds(t0, t1), segments(seen, t0, t1,
                    new Segment("shutdown, snapshot, last copy", WarmVsColdBench::conversionStarted),
                    new Segment("virt-v2v-in-place", s -> s.equals("Inspecting the converted guest")),
                    new Segment(skipped ? "inspector skipped (inspected early), local XML"
                            : "virt-v2v-inspector (NOT inspected early), local XML", s -> false)), run);
        } finally {
            running[0] = null;
        }
    }

    /**
     * The first status of the conversion after the last copy: its steps' own, or virt-v2v-in-place's first phases
     * (which replace "Converting the guest" within milliseconds: the 200 ms poll does not always see that one).
     */
    private static boolean conversionStarted(String status) {
        return status.equals("Writing the conversion XML") || status.equals("Converting the guest")
                || status.startsWith("Setting up the source") || status.startsWith("Opening the source")
                || status.startsWith("Inspecting the source");
    }

    /**
     * Waits until the wrapper's early {@code virt-v2v-inspector} run on the pre-copied disks has ended: its start
     * line is in the wrapper log and no {@code virt-v2v-inspector} process is left among the launcher's descendants
     * (two polls in a row, 0.5 s apart). Returns what was seen, for the output; a run that never starts one within
     * 60 s (virt-v2v 1.x, or a failure to start) is reported, not waited for.
     */
    private static String awaitEarlyInspection(WrapperRun run, long timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        long startBy = System.nanoTime() + 60_000_000_000L;
        while (!wrapperLog(run).contains("inspecting the pre-copied guest while waiting")) {
            if (System.nanoTime() > startBy) {
                return "no early inspection started within 60 s";
            }
            Thread.sleep(500);
        }
        int gone = 0;
        while (gone < 2) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the early virt-v2v-inspector run did not end within "
                        + timeoutSeconds + " s (" + run.dir + ")");
            }
            if (!run.process().isAlive()) {
                throw new IllegalStateException("the wrapper ended while waiting (" + run.dir + ")");
            }
            boolean inspecting = run.process().descendants().anyMatch(p -> p.info().command()
                    .map(c -> c.endsWith("/virt-v2v-inspector")).orElse(false));
            gone = inspecting ? 0 : gone + 1;
            Thread.sleep(500);
        }
        String log = wrapperLog(run);
        return log.contains("on the pre-copied guest (see") ? "early inspection FAILED (see the wrapper log)"
                : "early virt-v2v-inspector run until its end";
    }

    /** The wrapper's own log(s) of the run, concatenated. */
    private static String wrapperLog(WrapperRun run) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        try (var logs = Files.list(run.logDir)) {
            for (Path log : logs.filter(p -> p.getFileName().toString().startsWith("virt-v2v-wrapper")
                    && !Files.isSymbolicLink(p)).sorted().toList()) {
                b.append(Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        return b.toString();
    }

    private static Figure cold(String vm, Path windows, Data data, Path dir, WrapperRun[] running) throws Exception {
        Path source = dir.resolve(vm + ".img");
        GuestOnFakeVsphere.sparseCopy(windows, source);
        Path out = Files.createDirectories(dir.resolve("out"));
        WrapperRun run = Runs.wrapper(dir.resolve("wrapper"), null);
        long t0 = System.nanoTime();
        running[0] = run.start((data == null ? Runs.coldRequest(vm, out, source)
                : Runs.coldRequest(vm, out, source, data.coldPath())).toString());
        try (StateTicker ticker = new StateTicker(run.stateFile(), null, null)) {
            JsonNode end = ticker.await(s -> s.path("finished").asBoolean(), 1800, run.process());
            long t1 = System.nanoTime();
            check(run, end);
            return new Figure(seconds(t0, t1), segments(ticker.statuses(), t0, t1,
                    new Segment("launcher, checks", s -> s.startsWith("Setting up the source")),
                    new Segment("virt-v2v inspection + conversion", s -> s.startsWith("Copying disk")),
                    new Segment("copy", s -> false)), run);
        } finally {
            running[0] = null;
        }
    }

    private static void check(WrapperRun run, JsonNode end) throws Exception {
        int rc = run.waitFor(120);
        if (rc != 0 || end.path("failed").asBoolean()) {
            throw new IllegalStateException("run in " + run.dir + " failed (" + rc + "): " + StateTicker.line(end));
        }
    }

    /** Splits t0..t1 into the segments; one whose end was never seen (too quick for the poll) runs to t1. */
    private static List<String> segments(List<StateTicker.StatusSeen> seen, long t0, long t1, Segment... parts) {
        List<String> out = new ArrayList<>();
        long from = t0;
        for (Segment part : parts) {
            String name = part.name();
            long to = t1;
            for (StateTicker.StatusSeen s : seen) {
                if (s.nanos() >= from && part.endsAt().test(s.status())) {
                    to = s.nanos();
                    break;
                }
            }
            out.add(String.format(Locale.ROOT, "%s %.1f s", name, seconds(from, to)));
            from = to;
        }
        return out;
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static void delete(Path dir) throws java.io.IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
