package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.plan.VirtV2vCommand;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
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
            Process p = pb.start();
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

    /** TERM to virt-v2v; after {@code graceMs}, KILL to it and whatever it started that is still there. */
    void stop(long graceMs) {
        List<ProcessHandle> descendants = process.descendants().toList();
        if (process.isAlive()) {
            LOG.info("stopping virt-v2v (pid {}) with SIGTERM", process.pid());
            process.destroy();
            try {
                if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                    LOG.warn("virt-v2v did not exit within {} ms of SIGTERM; sending SIGKILL", graceMs);
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        killLeftovers(descendants);
    }

    /** Children that survived their parent (nbdkit, qemu) are TERMed, then KILLed. */
    static void killLeftovers(List<ProcessHandle> processes) {
        List<ProcessHandle> alive = processes.stream().filter(ProcessHandle::isAlive).toList();
        if (alive.isEmpty()) {
            return;
        }
        alive.forEach(h -> {
            LOG.info("stopping leftover child {} ({})", h.pid(), h.info().command().orElse("?"));
            h.destroy();
        });
        long deadline = System.currentTimeMillis() + 3_000;
        for (ProcessHandle h : alive) {
            try {
                h.onExit().get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    /** The descendants now, so they can be cleaned up even after virt-v2v itself is gone. */
    List<ProcessHandle> descendants() {
        return process.descendants().toList();
    }
}
