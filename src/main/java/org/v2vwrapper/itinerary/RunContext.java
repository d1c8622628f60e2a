package org.v2vwrapper.itinerary;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What every step of a run shares: the request, the host settings, the state model, the run's cleanup, the
 * secrets, the "stop requested" flag, and the slots steps hand results on through. Thread-safe: the shutdown
 * hook and the step watchdog call {@link #requestStop} while a step runs on the main thread.
 */
public final class RunContext {
    private final ConversionRequest request;
    private final WrapperSettings settings;
    private final ConversionState state;
    private final Cleanup cleanup;
    private final SecretStore secrets;
    private final boolean dryRun;
    private final Map<Slot<?>, Object> slots = new HashMap<>();
    private final Deque<FailureUndo> failureUndo = new ArrayDeque<>();
    private String stopReason;
    private Runnable stopCurrentChild;
    private volatile boolean pointOfNoReturn;
    private volatile boolean stopIsNormalEnd;
    private final RemoteLedger ledger;

    public RunContext(ConversionRequest request, WrapperSettings settings, ConversionState state, Cleanup cleanup,
                      SecretStore secrets, boolean dryRun) {
        this(request, settings, state, cleanup, secrets, dryRun, RemoteLedger.inMemory());
    }

    /** With the run's ledger of remote objects ({@link RemoteLedger#forRun}). */
    public RunContext(ConversionRequest request, WrapperSettings settings, ConversionState state, Cleanup cleanup,
                      SecretStore secrets, boolean dryRun, RemoteLedger ledger) {
        this.ledger = ledger;
        this.request = request;
        this.settings = settings;
        this.state = state;
        this.cleanup = cleanup;
        this.secrets = secrets;
        this.dryRun = dryRun;
    }

    /** What the run made remotely: record before each creation, mark done after each deletion. */
    public RemoteLedger ledger() {
        return ledger;
    }

    public ConversionRequest request() {
        return request;
    }

    public WrapperSettings settings() {
        return settings;
    }

    public ConversionState state() {
        return state;
    }

    /** Undo actions that run on every exit path (secret files, agents, connections, children). */
    public Cleanup cleanup() {
        return cleanup;
    }

    public SecretStore secrets() {
        return secrets;
    }

    /** A dry run: the secret store writes nothing, and nothing may start or touch a remote system. */
    public boolean dryRun() {
        return dryRun;
    }

    public synchronized <T> void put(Slot<T> slot, T value) {
        slots.put(slot, value);
    }

    /** What an earlier step left; a missing value is a bug in the itinerary's order. */
    public synchronized <T> T get(Slot<T> slot) {
        Object v = slots.get(slot);
        if (v == null) {
            throw new IllegalStateException("no " + slot.name() + " yet: a step runs before the step that sets it");
        }
        return slot.type().cast(v);
    }

    /** What an earlier step left, if it ran (for steps shared by several itineraries). */
    public synchronized <T> java.util.Optional<T> find(Slot<T> slot) {
        return java.util.Optional.ofNullable(slots.get(slot)).map(slot.type()::cast);
    }

    /**
     * An undo action for a failed or stopped run only (remove what the run left on the destination), run newest
     * first before the final state; it must not throw.
     */
    public synchronized void onFailure(String what, Cleanup.Action action) {
        failureUndo.push(new FailureUndo(what, action));
    }

    /** A failure undo action and what it undoes, for the log. */
    public record FailureUndo(String what, Cleanup.Action action) {
    }

    /** Takes the failure undo actions, newest first (once: the shutdown hook and the main thread may both get there). */
    public synchronized List<FailureUndo> takeFailureUndo() {
        List<FailureUndo> out = List.copyOf(failureUndo);
        failureUndo.clear();
        return out;
    }

    /** A child the current step starts, started only if no stop was requested, and stoppable from then on. */
    @FunctionalInterface
    public interface ChildStarter<T> {
        T start() throws ConversionException, IOException;
    }

    /**
     * Starts a child unless a stop was already requested (atomically with {@link #requestStop}, so a SIGTERM
     * cannot fall between the check and the start) and remembers how to stop it.
     */
    public synchronized <T> T startChild(ChildStarter<T> starter, Consumer<T> stop)
            throws ConversionException, IOException {
        checkNotStopped();
        T child = starter.start();
        stopCurrentChild = () -> stop.accept(child);
        return child;
    }

    /** The current step's child ended by itself: a later stop has nothing to stop. */
    public synchronized void childEnded() {
        stopCurrentChild = null;
    }

    /**
     * Asks the run to stop (SIGTERM, a step's timeout): the first reason wins; the current child, if any, is
     * stopped (this may block for its grace period); the main thread fails at the next check.
     */
    public void requestStop(String why) {
        Runnable stop;
        synchronized (this) {
            if (stopReason == null) {
                stopReason = why;
            }
            stop = stopCurrentChild;
        }
        if (stop != null) {
            stop.run();
        }
    }

    public synchronized String stopReason() {
        return stopReason;
    }

    public void checkNotStopped() throws ConversionException {
        String why = stopReason();
        if (why != null) {
            throw new ConversionException("conversion stopped: " + why);
        }
    }

    /**
     * From here on a failure is "started and failed" (exit 2), not "could not start" (exit 1): the mode's main
     * work (virt-v2v, the volume copy) has begun.
     */
    public void passPointOfNoReturn() {
        pointOfNoReturn = true;
    }

    /**
     * From here on a stop request (SIGTERM) is how the run is meant to end, not a failure: {@code nbd_export_only}
     * exports until it is told to stop. Only for a last step without a timeout of its own.
     */
    public void stopIsNormalEnd() {
        stopIsNormalEnd = true;
    }

    public boolean stopEndsNormally() {
        return stopIsNormalEnd;
    }

    public boolean pastPointOfNoReturn() {
        return pointOfNoReturn;
    }
}
