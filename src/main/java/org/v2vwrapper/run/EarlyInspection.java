package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.ConversionCommand;
import org.v2vwrapper.convert.InspectorXml;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.plan.VirtV2vCommand;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * {@code virt-v2v-inspector} run on the pre-copied disks while a warm run waits for its next copy or the cutover
 * (virt-v2v 2.x). In 2.2 the inspector converts the guest a second time in a throw-away overlay (about as long as
 * {@code virt-v2v-in-place} itself), so run after the cutover it doubled the downtime; the OS facts it reports
 * (type, distro, version, architecture, firmware) do not change with the last copy. The disks are not written while
 * it reads them: the next copy starts only once it has ended ({@link #awaitFacts}). If it fails, or is stopped, the
 * conversion inspects the converted guest after the cutover as before.
 */
final class EarlyInspection {
    private static final Logger LOG = LoggerFactory.getLogger(EarlyInspection.class);
    private static final long POLL_MS = 200;

    private final VirtV2vProcess process;
    private final Path output;
    private final Path log;
    private final long deadlineNanos;

    private EarlyInspection(VirtV2vProcess process, Path output, Path log, Duration timeout) {
        this.process = process;
        this.output = output;
        this.log = log;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    /** Starts the inspector (from the run's main thread: see {@code Children} on the parent-death signal). */
    static EarlyInspection start(ConversionCommand cmd, Path output, Path log, Duration timeout)
            throws ConversionException {
        LOG.info("inspecting the pre-copied guest while waiting: {}", cmd.describe());
        VirtV2vProcess p = VirtV2vProcess.start(new VirtV2vCommand(cmd.argv(), cmd.environment()), log);
        return new EarlyInspection(p, output, log, timeout);
    }

    /**
     * Waits for the inspector to end before the disks change again; stops it at its timeout or when
     * {@code stopped} (SIGTERM). Returns the facts if it succeeded.
     */
    Optional<OsFacts> awaitFacts(BooleanSupplier stopped) {
        try {
            while (!process.waitFor(POLL_MS)) {
                if (stopped.getAsBoolean() || System.nanoTime() - deadlineNanos >= 0) {
                    LOG.warn("stopping the inspection of the pre-copied guest ({})",
                            stopped.getAsBoolean() ? "the run is stopping" : "it outlived its timeout");
                    stop();
                    return Optional.empty();
                }
            }
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        int rc = process.exitCode();
        if (rc != 0) {
            LOG.warn("{} on the pre-copied guest (see {}); the converted guest is inspected after the cutover",
                    ColdSteps.describeExit("virt-v2v-inspector", rc), log);
            return Optional.empty();
        }
        try {
            OsFacts facts = InspectorXml.read(output);
            LOG.info("the pre-copied guest was inspected while waiting: the cutover skips the inspector");
            return Optional.of(facts);
        } catch (IOException e) {
            LOG.warn("virt-v2v-inspector's output cannot be read ({}); the converted guest is inspected after the"
                    + " cutover", e.getMessage());
            return Optional.empty();
        }
    }

    boolean isRunning() {
        return process.isAlive();
    }

    /** TERM, then KILL (with its appliance); a no-op once it has ended. For every exit path. */
    void stop() {
        if (process.isAlive()) {
            process.stop(VirtV2vProcess.TERM_GRACE_MS);
        }
    }
}
