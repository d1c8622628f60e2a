package org.v2vwrapper.output.osp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.v2vwrapper.ConversionException;

/**
 * What this run has on the OpenStack side and where: each volume's project (or its pending transfer), the ports
 * and the instance it created. {@link OpenstackTarget#finish} records each resource in the same step that
 * creates or moves it; the cleanup reads it. Thread-safe: the cleanup may run on the shutdown hook's thread
 * while {@code finish} is still working on the main thread, so {@link #stop} first makes {@code finish} stop
 * at its next step and waits for the step in flight.
 */
public final class OspLedger {

    /** Where a volume is. */
    public sealed interface Place permits InConversionProject, TransferPending, InDestinationProject {
    }

    public record InConversionProject() implements Place {
    }

    public record TransferPending(String transferId) implements Place {
    }

    public record InDestinationProject() implements Place {
    }

    /** A snapshot for the cleanup. */
    public record Snapshot(Map<String, Place> volumes, List<String> ports, Optional<String> serverId) {
    }

    /** One mutating step: an API call and its bookkeeping. */
    @FunctionalInterface
    public interface Step<T> {
        T run() throws ConversionException;
    }

    private final ReentrantLock stepLock = new ReentrantLock();
    private final Map<String, Place> volumes = new LinkedHashMap<>();
    private final List<String> ports = new ArrayList<>();
    private String serverId;
    private volatile boolean stopped;

    /**
     * Runs {@code step} unless the run is being stopped. Steps never overlap with the cleanup's start: the
     * resource a step creates is recorded before the cleanup takes its snapshot.
     */
    public <T> T step(Step<T> step) throws ConversionException {
        stepLock.lock();
        try {
            checkNotStopped();
            return step.run();
        } finally {
            stepLock.unlock();
        }
    }

    public void checkNotStopped() throws ConversionException {
        if (stopped) {
            throw new ConversionException("OpenStack work stopped: the conversion is being cleaned up");
        }
    }

    /**
     * Makes every later {@link #step} fail, waits (at most {@code wait}) for the step in flight, and returns what
     * exists now.
     */
    public Snapshot stop(Duration wait) {
        stopped = true;
        boolean locked = false;
        try {
            locked = stepLock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (locked) {
                stepLock.unlock();
            }
        }
        return snapshot();
    }

    public boolean isStopped() {
        return stopped;
    }

    public synchronized void volume(String volumeId, Place place) {
        volumes.put(volumeId, place);
    }

    public synchronized void knownVolume(String volumeId) {
        volumes.putIfAbsent(volumeId, new InConversionProject());
    }

    public synchronized Optional<Place> place(String volumeId) {
        return Optional.ofNullable(volumes.get(volumeId));
    }

    public synchronized void portCreated(String portId) {
        ports.add(portId);
    }

    public synchronized void portDeleted(String portId) {
        ports.remove(portId);
    }

    public synchronized void serverCreated(String id) {
        serverId = id;
    }

    public synchronized void serverDeleted() {
        serverId = null;
    }

    public synchronized void volumeDeleted(String volumeId) {
        volumes.remove(volumeId);
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(new LinkedHashMap<>(volumes), List.copyOf(ports), Optional.ofNullable(serverId));
    }
}
