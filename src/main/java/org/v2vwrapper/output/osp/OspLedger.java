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
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;

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
    /** The run's persistent ledger every change is mirrored to (in memory only until {@link #persistTo}). */
    private RemoteLedger remote = RemoteLedger.inMemory();
    private String where = "openstack:unknown";
    /** The intent for the volumes tagged with the run's guest id, once made. */
    private String taggedKey;

    /** Mirrors every change to the run directory's ledger, for a replay after SIGKILL. */
    public synchronized OspLedger persistTo(RemoteLedger remote, String where) {
        this.remote = remote;
        this.where = where;
        return this;
    }

    /** For a replay: the state a dead run's ledger listed. */
    public synchronized void restore(Map<String, Place> volumes, List<String> ports, Optional<String> serverId) {
        this.volumes.putAll(volumes);
        this.ports.addAll(ports);
        this.serverId = serverId.orElse(null);
    }

    /** Before a creation whose id is not known yet (a port, the instance): returns the ledger key. */
    public synchronized String intend(String kind, Map<String, String> attrs) {
        return remote.intend(kind, where, attrs);
    }

    /** The creation under {@code key} failed cleanly: nothing was made. */
    public synchronized void nothingMade(String key) {
        remote.doneKey(key);
    }

    private static Map<String, String> placeAttrs(Place place) {
        Map<String, String> m = new LinkedHashMap<>();
        if (place instanceof TransferPending p) {
            m.put("place", "transfer");
            m.put("transfer_id", p.transferId());
        } else {
            m.put("place", place instanceof InDestinationProject ? "destination" : "conversion");
        }
        return m;
    }

    /** The place a ledger entry names. */
    public static Place placeOf(RemoteLedger.Entry e) {
        return switch (e.attr("place").orElse("conversion")) {
            case "destination" -> new InDestinationProject();
            case "transfer" -> e.attr("transfer_id").<Place>map(TransferPending::new).orElse(new InConversionProject());
            default -> new InConversionProject();
        };
    }

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
        Map<String, String> attrs = placeAttrs(place);
        remote.record(Kinds.OSP_VOLUME, where, volumeId, attrs);
        Map<String, String> changes = new LinkedHashMap<>(attrs);
        changes.putIfAbsent("transfer_id", null);
        remote.update(Kinds.OSP_VOLUME, volumeId, changes);
    }

    public synchronized void knownVolume(String volumeId) {
        if (volumes.putIfAbsent(volumeId, new InConversionProject()) == null) {
            remote.record(Kinds.OSP_VOLUME, where, volumeId, placeAttrs(new InConversionProject()));
        }
    }

    public synchronized Optional<Place> place(String volumeId) {
        return Optional.ofNullable(volumes.get(volumeId));
    }

    public synchronized void portCreated(String portId) {
        ports.add(portId);
        remote.record(Kinds.OSP_PORT, where, portId, Map.of());
    }

    /** The port intended under {@code key} exists now. */
    public synchronized void portCreated(String key, String portId) {
        ports.add(portId);
        remote.record(key, portId);
    }

    public synchronized void portDeleted(String portId) {
        ports.remove(portId);
        remote.done(Kinds.OSP_PORT, portId);
    }

    public synchronized void serverCreated(String id) {
        serverId = id;
        remote.record(Kinds.OSP_INSTANCE, where, id, Map.of());
    }

    /** The instance intended under {@code key} exists now. */
    public synchronized void serverCreated(String key, String id) {
        serverId = id;
        remote.record(key, id);
    }

    public synchronized void serverDeleted() {
        if (serverId != null) {
            remote.done(Kinds.OSP_INSTANCE, serverId);
        }
        serverId = null;
    }

    public synchronized void volumeDeleted(String volumeId) {
        volumes.remove(volumeId);
        remote.done(Kinds.OSP_VOLUME, volumeId);
    }

    /**
     * Before volumes tagged with {@code guestId} are made (by virt-v2v or by this wrapper): an intent the replay
     * finds them by, should the run die before their ids are listed. Once per run.
     */
    public synchronized void intendTaggedVolumes(String guestId, String conversionHost) {
        if (taggedKey == null) {
            taggedKey = remote.intend(Kinds.OSP_TAGGED_VOLUMES, where,
                    Map.of("guest_id", guestId, "conversion_host", conversionHost));
        }
    }

    /**
     * After a cleanup: whether it removed everything listed here; if so the tagged-volumes intent is done as well.
     */
    public synchronized boolean cleanedUp() {
        boolean clean = volumes.isEmpty() && ports.isEmpty() && serverId == null;
        if (clean && taggedKey != null) {
            remote.doneKey(taggedKey);
            taggedKey = null;
        }
        return clean;
    }

    /** After a success: what the run made on this cloud is the new VM, no longer something to clean up. */
    public synchronized void forgetAll() {
        remote.forgetOwn(e -> e.where().equals(where));
        taggedKey = null;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(new LinkedHashMap<>(volumes), List.copyOf(ports), Optional.ofNullable(serverId));
    }
}
