package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.itinerary.Itinerary;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.StatePublisher;

import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.osp.SourceLedger;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a request's itinerary ({@link Itineraries#forMode}) step by step: each step's name becomes the status,
 * each step with a timeout is stopped as on SIGTERM when it outlives it. Ends exactly once, with
 * {@code finished} as the last state write, whether it ends normally or through {@link #terminate(String)} from
 * the shutdown hook.
 */
public final class ConversionRun {
    private static final Logger LOG = LoggerFactory.getLogger(ConversionRun.class);

    /** Exit codes, as the design notes define them. */
    public static final int EXIT_OK = 0;
    public static final int EXIT_NOT_STARTED = 1;
    public static final int EXIT_FAILED = 2;

    /** Environment variable bounding the wind-down after SIGTERM (seconds, or a duration like {@code 20s}, {@code 1m}). */
    public static final String CLEANUP_TIMEOUT_ENV = "V2V_WRAPPER_CLEANUP_TIMEOUT";
    /** Fits a container runtime's 30 s stop timeout, with room for the JVM's own exit. */
    public static final Duration DEFAULT_CLEANUP_TIMEOUT = Duration.ofSeconds(20);

    /** The bound on the wind-down after SIGTERM: {@value #CLEANUP_TIMEOUT_ENV}, else 20 s. */
    public static Duration cleanupTimeout() {
        String v = System.getProperty("v2v.cleanupTimeout", System.getenv(CLEANUP_TIMEOUT_ENV));
        if (v == null || v.isBlank()) {
            return DEFAULT_CLEANUP_TIMEOUT;
        }
        v = v.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            Duration d;
            if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                d = Duration.ofSeconds(Long.parseLong(v.endsWith("s") ? v.substring(0, v.length() - 1) : v));
            }
            if (!d.isNegative() && !d.isZero()) {
                return d;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        LOG.warn("{} is not a positive duration ({}); using {} s", CLEANUP_TIMEOUT_ENV,
                org.v2vwrapper.text.Printable.escape(v), DEFAULT_CLEANUP_TIMEOUT.toSeconds());
        return DEFAULT_CLEANUP_TIMEOUT;
    }

    private final WrapperSettings settings;
    private final ConversionRequest request;
    private final ConversionState state;
    private final StatePublisher publisher;
    private final LogParsers parsers;
    private final Cleanup cleanup = new Cleanup();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicBoolean failureUndoStarted = new AtomicBoolean();
    /** Before the context exists (the mode is refused, the secret store cannot be made) a stop is kept here. */
    private volatile String earlyStop;
    private volatile RunContext ctx;
    /** The step running now, for the stop message (set on the main thread, read by the shutdown hook). */
    private volatile String currentStep;
    private volatile RemoteLedger ledger;
    private volatile SecretStore secrets;
    /** Set by {@link #terminate}: when the remote cleanup must give up (System.nanoTime()). */
    private volatile long stopDeadlineNanos;
    private final Duration cleanupTimeout;
    private boolean endDone;
    private volatile int exitCode = -1;

    /** Makes the two log consumers for a run: virt-v2v's own log and its machine-readable log. */
    public interface LogParsers {
        LogConsumer v2vLog(ConversionState state, V2vCapabilities caps);

        LogConsumer machineReadableLog(ConversionState state);
    }

    /** Where a run gets its steps: {@link Itineraries#forMode}, or a test's own. */
    @FunctionalInterface
    interface ItinerarySource {
        Itinerary forMode(org.v2vwrapper.request.Mode mode) throws ConversionException;
    }

    private final ItinerarySource itineraries;

    public ConversionRun(WrapperSettings settings, ConversionRequest request, ConversionState state,
                         StatePublisher publisher, LogParsers parsers) {
        this(settings, request, state, publisher, parsers, Itineraries::forMode);
    }

    ConversionRun(WrapperSettings settings, ConversionRequest request, ConversionState state,
                  StatePublisher publisher, LogParsers parsers, ItinerarySource itineraries) {
        this.itineraries = itineraries;
        this.cleanupTimeout = cleanupTimeout();
        this.settings = settings;
        this.request = request;
        this.state = state;
        this.publisher = publisher;
        this.parsers = parsers;
    }

    /** Runs the conversion; returns the exit code. */
    public int run() {
        try {
            // A mode this build cannot run is refused before anything is created.
            Itinerary itinerary = itineraries.forMode(request.mode());
            SecretStore secrets = SecretStore.create(settings.runDir());
            cleanup.register("secret files", secrets::close);
            this.secrets = secrets;
            RemoteLedger remote = RemoteLedger.forRun(settings.runDir());
            ledger = remote;
            if (!remote.isEmpty()) {
                // A dead run's remote leftovers on the systems this request reaches go first, exactly as listed.
                state.setStatus("Removing what a previous run left");
                new org.v2vwrapper.output.LedgerReplay().replay(remote, request, settings);
            }
            RunContext c = new RunContext(request, settings, state, cleanup, secrets, false, remote);
            c.put(ColdSteps.LOG_PARSERS, parsers);
            synchronized (this) {
                ctx = c;
                if (earlyStop != null) {
                    c.requestStop(earlyStop);
                }
            }
            LOG.info("mode {}: {}", itinerary.mode().name(),
                    itinerary.steps().stream().map(Step::name).toList());
            for (Step step : itinerary.steps()) {
                c.checkNotStopped();
                runStep(c, step);
            }
            if (!c.stopEndsNormally()) {
                c.checkNotStopped();
            }
            // Whatever the run made is its result now (the targets forget theirs in finish; this is for the rest).
            // Not what it made on an OpenStack→OpenStack source cloud: that is never a result, and still listed only
            // if restoring the source failed (the next run or `cleanup` finishes it).
            remote.forgetOwn(e -> !SourceLedger.isSourceSide(e));
            state.setStatus("Finished");
            return end(EXIT_OK);
        } catch (ConversionException e) {
            LOG.error("conversion failed: {}", e.getMessage(), e.getCause());
            failed(e.getMessage());
            return end(exitCodeOfFailure());
        } catch (IOException | RuntimeException e) {
            // Neither the message nor toString(): an exception raised while handling request values may quote one.
            LOG.error("conversion failed: internal error {}", org.v2vwrapper.text.Throwables.withoutMessages(e));
            failed("internal error (" + e.getClass().getSimpleName() + "); see the wrapper log");
            return end(exitCodeOfFailure());
        }
    }

    private int exitCodeOfFailure() {
        RunContext c = ctx;
        return c != null && c.pastPointOfNoReturn() || state.isStartedVirtV2v() ? EXIT_FAILED : EXIT_NOT_STARTED;
    }

    /** One step on this thread, with a watchdog that stops the run (as SIGTERM does) if it outlives its timeout. */
    private void runStep(RunContext c, Step step) throws ConversionException, IOException {
        currentStep = step.name();
        state.setStatus(step.name());
        LOG.info("step: {} ({})", step.name(), step.describeTimeout());
        AtomicBoolean fired = new AtomicBoolean();
        Thread watchdog = step.timeout().map(timeout -> {
            Thread main = Thread.currentThread();
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(timeout.toMillis());
                } catch (InterruptedException stepEnded) {
                    return;
                }
                String why = "the step \"" + step.name() + "\" did not end within " + step.describeTimeout();
                LOG.warn("stopping: {}", why);
                fired.set(true);
                c.requestStop(why);
                main.interrupt();
            }, "step-timeout");
            t.setDaemon(true);
            t.start();
            return t;
        }).orElse(null);
        try {
            step.action().run(c);
        } finally {
            if (watchdog != null) {
                watchdog.interrupt();
                joinQuietly(watchdog);
                if (fired.get()) {
                    // The watchdog's interrupt may land after the step ended; the run goes on winding down.
                    Thread.interrupted();
                }
            }
            c.childEnded();
        }
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private String stopReason() {
        RunContext c = ctx;
        String why = c != null ? c.stopReason() : null;
        return why != null ? why : earlyStop;
    }

    private void failed(String message) {
        String stoppedBy = stopReason();
        state.setLastMessage(LastMessage.error(stoppedBy != null ? "conversion stopped: " + stoppedBy : message));
        state.markFailed();
        RunContext c = ctx;
        // Once only: the shutdown hook may get here while the main thread is still cleaning up.
        if (c != null && failureUndoStarted.compareAndSet(false, true)) {
            List<RunContext.FailureUndo> undo = c.takeFailureUndo();
            if (!undo.isEmpty()) {
                state.setStatus("Cleaning up");
            }
            Runnable all = () -> {
                for (RunContext.FailureUndo u : undo) {
                    try {
                        u.action().run();
                    } catch (Exception e) {
                        LOG.warn("cleanup of {} failed: {}", u.what(), e.toString());
                    }
                }
            };
            long deadline = stopDeadlineNanos;
            if (deadline == 0) {
                all.run();
            } else {
                runBounded(all, deadline);
            }
            // An OpenStack→OpenStack source is restored by the cleanup, after this: noted then (end).
            noteLedgerLeftovers(e -> !SourceLedger.isSourceSide(e), "left on the destination",
                    LastMessage.Type.ERROR);
        }
        state.setStatus("Failed");
    }

    /** Runs the undo on its own thread; at the deadline it is interrupted and the run goes on ending. */
    private void runBounded(Runnable undo, long deadlineNanos) {
        Thread t = new Thread(undo, "bounded-cleanup");
        t.setDaemon(true);
        t.start();
        try {
            long left = deadlineNanos - System.nanoTime();
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            if (t.isAlive()) {
                LOG.warn("the cleanup did not end within {} s of the stop; what it did not remove stays in the"
                        + " ledger", cleanupTimeout.toSeconds());
                t.interrupt();
                t.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the cleanup could not remove stays in the ledger; last_message says how to finish. */
    private void noteLedgerLeftovers(java.util.function.Predicate<RemoteLedger.Entry> which, String where,
                                     LastMessage.Type type) {
        RemoteLedger l = ledger;
        if (l == null || l.file().isEmpty()) {
            return;
        }
        List<RemoteLedger.Entry> left = l.entries(e -> e.run().equals(l.runId()) && which.test(e));
        if (left.isEmpty()) {
            return;
        }
        String what = left.stream().map(RemoteLedger.Entry::describe).limit(5)
                .collect(java.util.stream.Collectors.joining(", ")) + (left.size() > 5 ? ", ..." : "");
        String how = where + " and listed in " + l.file().get() + ": " + what
                + "; remove them with: virt-v2v-wrapper cleanup --run-dir " + settings.runDir()
                + " --input <the same request.json>";
        LOG.warn("{}", how);
        state.appendToLastMessage(how, type);
    }

    /** The one way out: final state write ({@code finished} last), every cleanup action, exit code. */
    private synchronized int end(int exitCode) {
        if (!endDone) {
            endDone = true;
            long deadline = stopDeadlineNanos;
            if (deadline == 0) {
                cleanup.close();
            } else {
                // Stopped: the secrets go first (local, fast), then the rest (connections to close, tokens to
                // revoke) within what is left of the bound, at least 2 s; an engine that does not answer is left.
                SecretStore s = secrets;
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException | RuntimeException e) {
                        LOG.warn("removing the secret files failed: {}", e.getClass().getSimpleName());
                    }
                }
                runBounded(cleanup::close, Math.max(deadline, System.nanoTime() + 2_000_000_000L));
            }
            // What restoring an OpenStack→OpenStack source left (a warning when the migration itself succeeded).
            noteLedgerLeftovers(SourceLedger::isSourceSide, "left on the source cloud",
                    exitCode == EXIT_OK ? LastMessage.Type.WARNING : LastMessage.Type.ERROR);
            state.finish(exitCode != EXIT_OK);
            publisher.close();
            LOG.info("conversion ended: exit code {}", exitCode);
            this.exitCode = exitCode;
            ended.countDown();
        }
        return exitCode;
    }

    /**
     * From the shutdown hook (SIGTERM/SIGINT): stop the current step's child (virt-v2v: TERM, then KILL after
     * 10 s) and let the main thread wind down; if it does not end in time, end the run from here.
     */
    public void terminate(String why) {
        if (ended.getCount() == 0) {
            return;
        }
        String step = currentStep;
        if (step != null) {
            // The caller's last_message says where the run was stopped, so an operator knows what was undone.
            why = why + " during the step \"" + step + "\"";
        }
        LOG.warn("terminating: {}", why);
        stopDeadlineNanos = System.nanoTime() + cleanupTimeout.toNanos();
        // At once: the caller sees the stop is being handled before virt-v2v has even exited.
        state.setStatus("Cleaning up");
        RunContext c;
        synchronized (this) {
            c = ctx;
            if (c == null) {
                earlyStop = why;
            }
        }
        if (c != null) {
            c.requestStop(why);
        }
        try {
            if (ended.await(cleanupTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.warn("the main thread did not end the run in time; ending it from the shutdown hook");
        failed("conversion stopped: " + why);
        end(exitCodeOfFailure());
    }

    /** The exit code once the run has ended ({@code finished} written, cleanup done). */
    public java.util.OptionalInt exitCode() {
        int rc = exitCode;
        return rc < 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(rc);
    }
}
