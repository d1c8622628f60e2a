package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.v2vwrapper.vsphere.fake.FakeVsphere;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Memory of a warm two-phase run for docs/performance.md (run by bench/monitor-warm.sh; not a test): the wrapper
 * through the launcher against the fake vSphere (vCenter) and the real nbdkit ({@code file} behind
 * {@code nbdkit-vddk-as-file}), a powered-on VM with two disks; pre-copy #1 copies both disks' data at once,
 * then the run waits, {@code cutover} is touched, pre-copy #2 (last) copies what changed meanwhile, the VM is shut
 * down and the (fake) virt-v2v converts.
 *
 * <p>It samples the wrapper JVM's {@code VmHWM} from {@code /proc} every 2 ms and reports it when the state says
 * {@code Waiting} (the peak of start-up + the two-disk copy) and at exit. Variants run interleaved, round by round.
 *
 * <p>Arguments: {@code MIB_PER_DISK ROUNDS [NAME|LAUNCHER|JAVA_OPTS ...]}; system property {@code jcmd.dir}: run
 * {@code jcmd VM.native_memory summary}, {@code GC.class_histogram} and {@code Thread.print} there and copy
 * {@code /proc/PID/smaps} {@code jcmd.after.ms} (default 1500) after a disk's progress first reached 10 %.
 */
public final class WarmMemoryBench {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long MIB = 1024 * 1024;

    record Variant(String name, Path launcher, String javaOpts) {
        static Variant parse(String s) {
            String[] p = java.util.Arrays.copyOf(s.split("\\|", 3), 3);
            return new Variant(p[0], p[1] == null || p[1].isEmpty() ? ProjectPaths.launcher() : Path.of(p[1]),
                    p[2] == null ? "" : p[2]);
        }
    }

    record Result(int exit, long hwmAtWaitingKb, long hwmKb, double copySeconds, double wallSeconds, double cpuSeconds) {
    }

    public static void main(String[] args) throws Exception {
        int dataMib = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        List<Variant> variants = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            variants.add(Variant.parse(args[i]));
        }
        if (variants.isEmpty()) {
            variants.add(Variant.parse("default||"));
        }
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "warm-mem-bench-");
        Map<String, List<Result>> results = new LinkedHashMap<>();
        try (FakeVsphere fake = FakeVsphere.start(Files.createDirectories(dir.resolve("fake")))) {
            long capacity = 2L * dataMib * MIB;
            byte[] chunk = new byte[(int) MIB];
            new Random(1).nextBytes(chunk);
            int n = 0;
            for (int round = 1; round <= rounds; round++) {
                for (Variant v : variants) {
                    String vm = "vm" + n++;
                    fake.addVm(vm, capacity, capacity);
                    for (int disk = 0; disk < 2; disk++) {
                        for (int m = 0; m < dataMib; m++) {
                            fake.write(vm, disk, m * 2 * MIB, chunk);   // 1 MiB of data every 2 MiB
                        }
                    }
                    fake.setShutdownDelay(vm, java.time.Duration.ZERO);
                    Result r = runOne(fake, dir.resolve("run" + n), vm, v, round);
                    results.computeIfAbsent(v.name, k -> new ArrayList<>()).add(r);
                    System.out.printf("round %d  %-14s exit %d  pre-copy #1 %.2f s  VmHWM at Waiting %.1f MB,"
                                    + " at exit %.1f MB  wall %.1f s  JVM CPU %.2f s%n", round, v.name, r.exit,
                            r.copySeconds, r.hwmAtWaitingKb / 1024.0, r.hwmKb / 1024.0, r.wallSeconds, r.cpuSeconds);
                    for (int disk = 0; disk < 2; disk++) {
                        Files.deleteIfExists(fake.image(vm, disk));
                    }
                    deleteTree(dir.resolve("run" + n));
                }
            }
        } finally {
            deleteTree(dir);
        }
        System.out.printf("two disks of %d MiB data each, medians:%n", dataMib);
        results.forEach((name, rs) -> System.out.printf("  %-14s VmHWM at Waiting %.1f MB, at exit %.1f MB,"
                        + " pre-copy #1 %.2f s, JVM CPU %.2f s  (runs at exit: %s)%n", name,
                median(rs.stream().map(r -> r.hwmAtWaitingKb / 1024.0).toList()),
                median(rs.stream().map(r -> r.hwmKb / 1024.0).toList()),
                median(rs.stream().map(r -> r.copySeconds).toList()),
                median(rs.stream().map(r -> r.cpuSeconds).toList()),
                String.join(", ", rs.stream().map(r -> String.format("%.1f", r.hwmKb / 1024.0)).toList())));
    }

    static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    static Result runOne(FakeVsphere fake, Path dir, String vm, Variant v, int round) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        WrapperRun run = WarmBench.wrapper(dir, fake).launcher(v.launcher).env("JAVA_OPTS", v.javaOpts);
        long t0 = System.nanoTime();
        run.start(WarmBench.request(fake, vm, out, true));
        long pid = run.pid();
        String jcmdDir = System.getProperty("jcmd.dir");
        long jcmdAfter = TimeUnit.MILLISECONDS.toNanos(Long.getLong("jcmd.after.ms", 1500));
        long hwm = 0;
        long hwmAtWaiting = -1;
        long copyStart = -1;
        long copyEnd = -1;
        long firstBytes = -1;
        long cpuTicks = 0;
        boolean cutover = false;
        boolean dumped = jcmdDir == null;
        long lastStateRead = 0;
        while (run.process().isAlive()) {
            hwm = Math.max(hwm, statusKb(pid, "VmHWM:"));
            cpuTicks = Math.max(cpuTicks, cpuTicks(pid));
            long now = System.nanoTime();
            if (now - lastStateRead > 20_000_000L && Files.exists(run.stateFile())) {
                lastStateRead = now;
                JsonNode state = state(run.stateFile());
                String status = state.path("status").asText();
                if (copyStart < 0 && "Pre-copy #1".equals(status)) {
                    copyStart = now;
                }
                boolean copying = false;
                for (JsonNode d : state.path("disks")) {
                    copying |= d.path("progress").asDouble() >= 10;
                }
                if (copying && firstBytes < 0) {
                    firstBytes = now;
                }
                if (!dumped && firstBytes > 0 && now - firstBytes >= jcmdAfter) {
                    dumped = true;
                    jcmd(pid, Path.of(jcmdDir), v.name + "-" + round);
                }
                if (!cutover && "Waiting".equals(status)) {
                    copyEnd = now;
                    hwmAtWaiting = Math.max(hwm, statusKb(pid, "VmHWM:"));
                    Files.createFile(run.runDir.resolve("cutover"));
                    cutover = true;
                }
            }
            Thread.sleep(2);
        }
        int exit = run.waitFor(10);
        if (exit != 0) {
            System.err.println(run.stderr());
        }
        return new Result(exit, hwmAtWaiting, hwm, copyStart < 0 || copyEnd < 0 ? -1 : (copyEnd - copyStart) / 1e9,
                (System.nanoTime() - t0) / 1e9, cpuTicks / 100.0);
    }

    static JsonNode state(Path stateFile) {
        try {
            return MAPPER.readTree(stateFile.toFile());
        } catch (IOException partial) {
            return MAPPER.createObjectNode();
        }
    }

    static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException gone) {
            // exited
        }
        return 0;
    }

    /** utime + stime of the JVM itself, in clock ticks (100 a second on Linux). */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    static void jcmd(long pid, Path dir, String tag) throws Exception {
        Files.createDirectories(dir);
        for (String cmd : List.of("VM.native_memory summary", "GC.class_histogram", "Thread.print")) {
            List<String> argv = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
            argv.addAll(List.of(cmd.split(" ")));
            Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(tag + "." + cmd.split(" ")[0] + ".txt").toFile()).start();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        try {
            Files.copy(Path.of("/proc/" + pid + "/smaps"), dir.resolve(tag + ".smaps.txt"));
        } catch (IOException gone) {
            // exited meanwhile
        }
    }
}
