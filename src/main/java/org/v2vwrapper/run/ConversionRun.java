package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanBuilder;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.SourceTransport;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.plan.VirtV2vCommand;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.StatePublisher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One conversion from a validated request to the final state: check virt-v2v, validate the destination, build
 * the command, run and monitor virt-v2v, finish or clean up. Ends exactly once, with {@code finished} as the
 * last state write, whether it ends normally or through {@link #terminate(String)} from the shutdown hook.
 */
public final class ConversionRun {
    private static final Logger LOG = LoggerFactory.getLogger(ConversionRun.class);

    /** Exit codes, as the design notes define them. */
    public static final int EXIT_OK = 0;
    public static final int EXIT_NOT_STARTED = 1;
    public static final int EXIT_FAILED = 2;

    /** How long the shutdown hook waits for the main thread to wind the run down before doing it itself. */
    static final long TERMINATE_WAIT_MS = 60_000;
    static final long CHILD_SAMPLE_MS = 1_000;

    private final WrapperSettings settings;
    private final ConversionRequest request;
    private final ConversionState state;
    private final StatePublisher publisher;
    private final LogParsers parsers;
    private final Cleanup cleanup = new Cleanup();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Map<Long, ProcessHandle> seenChildren = new LinkedHashMap<>();

    private final java.util.concurrent.atomic.AtomicBoolean destinationCleanupStarted =
            new java.util.concurrent.atomic.AtomicBoolean();
    private volatile VirtV2vProcess process;
    private volatile String terminatedBy;
    private boolean endDone;
    private volatile PlanContext ctx;
    private volatile OutputTarget target;

    /** Makes the two log consumers for a run: virt-v2v's own log and its machine-readable log. */
    public interface LogParsers {
        LogConsumer v2vLog(ConversionState state, V2vCapabilities caps);

        LogConsumer machineReadableLog(ConversionState state);
    }

    public ConversionRun(WrapperSettings settings, ConversionRequest request, ConversionState state,
                         StatePublisher publisher, LogParsers parsers) {
        this.settings = settings;
        this.request = request;
        this.state = state;
        this.publisher = publisher;
        this.parsers = parsers;
    }

    /** Runs the conversion; returns the exit code. */
    public int run() {
        int startedPhase = EXIT_NOT_STARTED;
        try {
            refuseModesNotBuiltYet();
            SecretStore secrets = SecretStore.create(settings.runDir());
            cleanup.register("secret files", secrets::close);

            state.setStatus("Checking virt-v2v");
            V2vCapabilities caps = V2vCapabilities.query(settings.virtV2v());
            LOG.info("virt-v2v capabilities: {}", caps.features());

            SourceTransport transport = PlanBuilder.transportFor(request);
            target = PlanBuilder.targetFor(request);
            cleanup.register("output target connection", target::close);
            ctx = new PlanContext(request, settings, secrets, caps, cleanup, false);
            LOG.info("transport {}, output {}", transport.name(), target.name());

            state.setStatus("Checking the destination");
            target.validate(ctx, state);
            checkNotTerminated();

            VirtV2vCommand command = PlanBuilder.command(ctx, transport, target);
            LOG.info("virt-v2v command: {}", command.describe());
            checkNotTerminated();

            int rc = runVirtV2v(command, caps);
            startedPhase = EXIT_FAILED;
            checkNotTerminated();
            if (rc != 0 || state.isFailed()) {
                failed(rc == 0 ? "virt-v2v reported an error" : describeExit(rc));
                return end(EXIT_FAILED);
            }
            state.setStatus("Finishing");
            target.finish(ctx, state);
            state.setStatus("Finished");
            return end(EXIT_OK);
        } catch (ConversionException e) {
            LOG.error("conversion failed: {}", e.getMessage(), e.getCause());
            failed(e.getMessage());
            return end(state.isStartedVirtV2v() ? EXIT_FAILED : startedPhase);
        } catch (IOException | RuntimeException e) {
            // Neither the message nor toString(): an exception raised while handling request values may quote one.
            LOG.error("conversion failed: internal error {}", org.v2vwrapper.text.Throwables.withoutMessages(e));
            failed("internal error (" + e.getClass().getSimpleName() + "); see the wrapper log");
            return end(state.isStartedVirtV2v() ? EXIT_FAILED : startedPhase);
        }
    }

    /**
     * Modes the request model accepts (so callers get them validated) but this version cannot run yet: say so
     * before anything starts rather than run a different kind of conversion.
     */
    private void refuseModesNotBuiltYet() throws ConversionException {
        if (request.twoPhase()) {
            throw new ConversionException("two_phase: two-phase (warm) conversion is not available in this version");
        }
        if (request.isOpenstackToOpenstack()) {
            throw new ConversionException(
                    "osp_source_environment: OpenStack to OpenStack migration is not available in this version");
        }
        if (request.nbdExportOnly()) {
            throw new ConversionException("nbd_export_only: exporting disks without converting is not available "
                    + "in this version");
        }
    }

    private int runVirtV2v(VirtV2vCommand command, V2vCapabilities caps) throws ConversionException, IOException {
        Files.deleteIfExists(settings.machineReadableLog());
        Files.write(settings.v2vLog(), new byte[0]);
        Files.write(settings.machineReadableLog(), new byte[0]);
        LogMonitor monitor = new LogMonitor(List.of(
                new LogTail(settings.v2vLog(), parsers.v2vLog(state, caps)),
                new LogTail(settings.machineReadableLog(), parsers.machineReadableLog(state))));
        state.setStatus("Starting virt-v2v");
        synchronized (this) {
            checkNotTerminated();
            process = VirtV2vProcess.start(command, settings.v2vLog());
        }
        state.markStarted(process.pid());
        // From here on virt-v2v's own phase lines ("Copying disk 1/2", …) become the status.
        monitor.start();
        int rc;
        try {
            while (true) {
                rememberChildren();
                // Wakes as soon as virt-v2v exits; otherwise samples its children again a second later (its
                // children, nbdkit and the appliance, live for the whole run; walking /proc costs CPU).
                if (!process.waitFor(CHILD_SAMPLE_MS)) {
                    continue;
                }
                rc = process.waitFor();
                break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConversionException("interrupted while waiting for virt-v2v", e);
        } finally {
            monitor.stop();
            // Whatever virt-v2v started and left behind (it may have been KILLed through its pid).
            VirtV2vProcess.killLeftovers(new ArrayList<>(seenChildren.values()));
        }
        LOG.info("virt-v2v exited with {}", rc);
        state.setReturnCode(rc);
        return rc;
    }

    private void rememberChildren() {
        process.descendants().forEach(h -> seenChildren.putIfAbsent(h.pid(), h));
    }

    private static String describeExit(int rc) {
        if (rc > 128 && rc <= 128 + 64) {
            String name = switch (rc - 128) {
                case 1 -> "HUP";
                case 2 -> "INT";
                case 9 -> "KILL";
                case 15 -> "TERM";
                default -> String.valueOf(rc - 128);
            };
            return "virt-v2v was killed by signal " + name;
        }
        return "virt-v2v failed with exit code " + rc;
    }

    private void checkNotTerminated() throws ConversionException {
        if (terminatedBy != null) {
            throw new ConversionException("conversion stopped: " + terminatedBy);
        }
    }

    private void failed(String message) {
        state.setLastMessage(LastMessage.error(terminatedBy != null ? "conversion stopped: " + terminatedBy : message));
        state.markFailed();
        // Once only: the shutdown hook may get here while the main thread is still cleaning up.
        if (target != null && ctx != null && destinationCleanupStarted.compareAndSet(false, true)) {
            state.setStatus("Cleaning up");
            try {
                target.cleanupAfterFailure(ctx, state);
            } catch (RuntimeException e) {
                LOG.warn("cleanup of the destination failed: {}", e.toString());
            }
        }
        state.setStatus("Failed");
    }

    /** The one way out: final state write ({@code finished} last), every cleanup action, exit code. */
    private synchronized int end(int exitCode) {
        if (!endDone) {
            endDone = true;
            cleanup.close();
            state.finish(exitCode != EXIT_OK);
            publisher.close();
            LOG.info("conversion ended: exit code {}", exitCode);
            ended.countDown();
        }
        return exitCode;
    }

    /**
     * From the shutdown hook (SIGTERM/SIGINT): stop virt-v2v (TERM, then KILL after 10 s) and let the main
     * thread wind down; if it does not end in time, end the run from here.
     */
    public void terminate(String why) {
        if (ended.getCount() == 0) {
            return;
        }
        LOG.warn("terminating: {}", why);
        VirtV2vProcess p;
        synchronized (this) {
            terminatedBy = why;
            p = process;
        }
        if (p != null) {
            p.stop(VirtV2vProcess.TERM_GRACE_MS);
        }
        try {
            if (ended.await(TERMINATE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.warn("the main thread did not end the run in time; ending it from the shutdown hook");
        failed("conversion stopped: " + why);
        end(EXIT_FAILED);
    }
}
