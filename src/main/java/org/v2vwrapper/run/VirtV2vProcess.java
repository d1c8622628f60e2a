package org.v2vwrapper.run;

import org.v2vwrapper.lifecycle.Children;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.VirtV2vCommand;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The running virt-v2v: started with its stdout and stderr appended to the virt-v2v log, stdin from
 * /dev/null. Stopping it sends TERM, then KILL after a grace period, to it and every process it started
 * (nbdkit, qemu, nbdcopy), so nothing outlives the run.
 */
final class VirtV2vProcess {
    private static final Logger LOG = LoggerFactory.getLogger(VirtV2vProcess.class);
    static final long TERM_GRACE_MS = 10_000;
    static final long LEFTOVER_GRACE_MS = 3_000;
    static final long LEFTOVER_POLL_MS = 20;

    private final Process process;

    private VirtV2vProcess(Process process) {
        this.process = process;
    }

    static VirtV2vProcess start(VirtV2vCommand command, Path log) throws ConversionException {
        ProcessBuilder pb = new ProcessBuilder(command.argv())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(command.environment());
        try {
            // Started from the run's main thread, which outlives virt-v2v (see Children on pdeathsig).
            Process p = Children.start(pb);
            LOG.info("virt-v2v started, pid {}", p.pid());
            return new VirtV2vProcess(p);
        } catch (IOException e) {
            throw new ConversionException("cannot start virt-v2v (" + command.argv().get(0) + "): " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    /** The exit code of a process that has ended. */
    int exitCode() {
        return process.exitValue();
    }

    /** Waits up to {@code ms} for virt-v2v to exit; true if it has. */
    boolean waitFor(long ms) throws InterruptedException {
        return process.waitFor(ms, TimeUnit.MILLISECONDS);
    }

    /** TERM to virt-v2v; after {@code graceMs}, KILL to it and whatever it started that is still there. */
    void stop(long graceMs) {
        List<ProcessHandle> descendants = descendants();
        Children.stop(process, "virt-v2v", java.time.Duration.ofMillis(graceMs));
        killLeftovers(descendants);
    }

    /**
     * Children that survived their parent (nbdkit, qemu) are TERMed, then KILLed after 3 s. Polled every 20 ms:
     * {@code onExit()} of a process that is not our child polls only every 300 ms and more; exited orphans waiting
     * for init to reap them count as gone (see {@link #running}). Both kept the wrapper 1–1.8 s longer than
     * virt-v2v after a successful real run, whose nbdkits exit on their own right after it.
     */
    static void killLeftovers(List<ProcessHandle> processes) {
        List<ProcessHandle> alive = processes.stream().filter(VirtV2vProcess::running).toList();
        if (alive.isEmpty()) {
            return;
        }
        alive.forEach(h -> {
            LOG.info("stopping leftover child {} ({})", h.pid(), h.info().command().orElse("?"));
            h.destroy();
        });
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEFTOVER_GRACE_MS);
        try {
            while (!alive.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(LEFTOVER_POLL_MS);
                alive = alive.stream().filter(VirtV2vProcess::running).toList();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        alive.forEach(h -> {
            LOG.warn("leftover child {} still there after SIGTERM; sending SIGKILL", h.pid());
            h.destroyForcibly();
        });
    }

    /**
     * Alive and not a zombie. virt-v2v's children outlive it as orphans, and an orphan that has exited stays a
     * zombie until the init process reaps it: {@link ProcessHandle#isAlive()} counts it as alive, and where pid 1
     * reaps lazily (a container's init took ~1.5 s on the project's machines) waiting for that only delays the
     * wrapper's exit. A zombie holds nothing but its pid.
     */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return h.isAlive();
        }
    }

    /**
     * The descendants now, so they can be cleaned up even after virt-v2v itself is gone. Sampled once a second
     * while virt-v2v runs, so read cheaply from {@code /proc/PID/task/TID/children} (a few small files) where the
     * kernel has them: {@link ProcessHandle#descendants()} reads the stat file of every process on the host
     * (0.7 ms of CPU a call with 80 processes, most of the wrapper's CPU while it waits).
     */
    List<ProcessHandle> descendants() {
        if (!Files.exists(Path.of("/proc", Long.toString(process.pid()), "task", Long.toString(process.pid()),
                "children"))) {
            return process.descendants().toList();
        }
        List<ProcessHandle> out = new ArrayList<>();
        ArrayDeque<Long> todo = new ArrayDeque<>();
        todo.add(process.pid());
        while (!todo.isEmpty() && out.size() < 10_000) {
            for (long child : childrenOf(todo.poll())) {
                ProcessHandle.of(child).ifPresent(h -> {
                    out.add(h);
                    todo.add(h.pid());
                });
            }
        }
        return out;
    }

    /** Children of every thread of {@code pid}; empty if it is gone. */
    private static List<Long> childrenOf(long pid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    for (String c : Files.readString(task.resolve("children")).trim().split("\\s+")) {
                        if (!c.isEmpty()) {
                            out.add(Long.parseLong(c));
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }
}
