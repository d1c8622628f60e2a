package org.v2vwrapper.throttle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A CPU-bound fake virt-v2v: a shell that starts two busy children, and the CPU time they use. */
final class BusyChildren {
    private BusyChildren() {
    }

    /** The script: two busy loops, then it waits for them (or exits with $1 after $2 seconds, if given). */
    static Path script(Path dir) throws IOException {
        Path script = dir.resolve("fake-virt-v2v");
        Files.writeString(script, """
            #!/bin/sh
            sh -c 'while :; do :; done' &
            a=$!
            sh -c 'while :; do :; done' &
            b=$!
            trap 'kill $a $b; exit 143' TERM
            if [ -n "$2" ]; then sleep "$2"; kill $a $b; wait; exit "$1"; fi
            wait
            """, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    static long clockTicksPerSecond() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "getconf hung");
        return Long.parseLong(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip());
    }

    /** utime + stime of a process in clock ticks (fields 14 and 15 of /proc/PID/stat); 0 once it is gone. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            // The command name (field 2) is in parentheses and may contain spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            return 0;
        }
    }

    static long cpuTicks(List<Long> pids) {
        return pids.stream().mapToLong(BusyChildren::cpuTicks).sum();
    }

    /** The share of one CPU that these processes used over the given time, in percent. */
    static double share(List<Long> pids, long millis) throws Exception {
        long ticks = clockTicksPerSecond();
        long before = cpuTicks(pids);
        long start = System.nanoTime();
        Thread.sleep(millis);
        long after = cpuTicks(pids);
        double seconds = (System.nanoTime() - start) / 1e9;
        return 100.0 * (after - before) / ticks / seconds;
    }

    static void killAll(List<Long> pids) {
        List<ProcessHandle> handles = new ArrayList<>();
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroyForcibly();
                handles.add(h);
            });
        }
        for (ProcessHandle h : handles) {
            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }
}
