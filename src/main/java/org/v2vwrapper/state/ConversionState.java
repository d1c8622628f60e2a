package org.v2vwrapper.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the wrapper knows about the running conversion: the keys of the state file plus facts read from
 * virt-v2v's log that the output targets need afterwards (oVirt disk ids, OpenStack volume ids, the vmx
 * display name). Thread-safe: the log monitor, the main thread and the shutdown hook all touch it.
 *
 * <p>State file keys appear only once they are known, so every field starts out absent ({@code null}).
 * Each mutation tells the {@link Listener} whether it was a phase change (write the file now) or only
 * progress (the writer may wait up to a second).
 */
public final class ConversionState {

    /** What kind of change happened, so the writer knows how soon to publish it. */
    public enum Change { PROGRESS, PHASE }

    public interface Listener {
        void changed(Change change);
    }

    private static final Listener NOBODY = change -> { };

    private volatile Listener listener = NOBODY;

    private Boolean started;
    private Long pid;
    private final List<DiskProgress> disks = new ArrayList<>();
    private boolean disksKnown;
    private Integer diskCount;
    private Integer returnCode;
    private String vmId;
    private Boolean finished;
    private Boolean failed;
    private String status;
    private LastMessage lastMessage;

    private int currentDisk = -1;
    /** Where the current disk's entry sits in {@link #disks}; differs from currentDisk when the list is shorter. */
    private int currentSlot = -1;
    private final LogFacts facts = new LogFacts();
    private Map<String, String> throttling;
    private final List<Map<String, String>> warnings = new ArrayList<>();
    /** At most this many warnings are kept (the first ones), each at most {@link #MAX_WARNING_CHARS} long. */
    public static final int MAX_WARNINGS = 50;
    public static final int MAX_WARNING_CHARS = 2000;
    private PreCopyDisks preCopy;

    public void setListener(Listener listener) {
        this.listener = listener == null ? NOBODY : listener;
    }

    private void notify(Change change) {
        listener.changed(change);
    }

    // ----- phases -----

    /** Initial disks from {@code source_disks}, all at 0 %. */
    public void initDisks(List<String> paths) {
        synchronized (this) {
            disks.clear();
            paths.forEach(p -> disks.add(new DiskProgress(p, 0)));
            disksKnown = true;
            diskCount = paths.size();
        }
        notify(Change.PHASE);
    }

    public void setStatus(String status) {
        synchronized (this) {
            if (status.equals(this.status)) {
                return;
            }
            this.status = status;
        }
        notify(Change.PHASE);
    }

    public void markStarted(long pid) {
        synchronized (this) {
            this.started = true;
            this.pid = pid;
            this.disksKnown = true;
            if (diskCount == null) {
                diskCount = disks.size();
            }
        }
        notify(Change.PHASE);
    }

    public void setReturnCode(int rc) {
        synchronized (this) {
            this.returnCode = rc;
        }
        notify(Change.PHASE);
    }

    public void setVmId(String vmId) {
        synchronized (this) {
            if (vmId.equals(this.vmId)) {
                return;
            }
            this.vmId = vmId;
        }
        notify(Change.PHASE);
    }

    /** An error or note for the caller. An error already recorded is not replaced by a later error. */
    /** Adds {@code more} to the current message (its type kept), e.g. what a stopped cleanup left and how to finish. */
    public void appendToLastMessage(String more, LastMessage.Type typeIfNone) {
        synchronized (this) {
            this.lastMessage = lastMessage == null ? new LastMessage(more, typeIfNone)
                    : new LastMessage(lastMessage.message() + "; " + more, lastMessage.type());
        }
        notify(Change.PHASE);
    }

    public void setLastMessage(LastMessage message) {
        synchronized (this) {
            if (lastMessage != null && lastMessage.type() == LastMessage.Type.ERROR
                    && message.type() == LastMessage.Type.ERROR) {
                return;
            }
            this.lastMessage = message;
        }
        notify(Change.PHASE);
    }

    /**
     * A warning of virt-v2v for the state file's {@code warnings} list ({@code {"message", "type": "warning"}}),
     * oldest first. The same warning seen twice (in its log and in its machine-readable log, or cut short where the
     * terminal wrapped it) is kept once, in its longest form: whitespace is ignored and a message that is the start
     * of another counts as the same. Does not touch {@code last_message}.
     */
    public void addWarning(String message) {
        String text = message.strip();
        if (text.isEmpty()) {
            return;
        }
        if (text.length() > MAX_WARNING_CHARS) {
            text = text.substring(0, MAX_WARNING_CHARS) + "…";
        }
        String key = text.replaceAll("\\s+", " ");
        synchronized (this) {
            for (int i = 0; i < warnings.size(); i++) {
                String seen = warnings.get(i).get("message").replaceAll("\\s+", " ");
                if (seen.startsWith(key)) {
                    return;
                }
                if (key.startsWith(seen)) {
                    warnings.set(i, warning(text));
                    notify(Change.PHASE);
                    return;
                }
            }
            if (warnings.size() >= MAX_WARNINGS) {
                return;
            }
            warnings.add(warning(text));
        }
        notify(Change.PHASE);
    }

    private static Map<String, String> warning(String text) {
        Map<String, String> w = new LinkedHashMap<>();
        w.put("message", text);
        w.put("type", "warning");
        return Collections.unmodifiableMap(w);
    }

    public synchronized List<Map<String, String>> warnings() {
        return List.copyOf(warnings);
    }

    /** The limits in force, e.g. {@code {"cpu": "50%", "network": "1048576"}} (see throttle/Throttling). */
    public void setThrottling(Map<String, String> inForce) {
        synchronized (this) {
            Map<String, String> copy = Collections.unmodifiableMap(new LinkedHashMap<>(inForce));
            if (copy.equals(throttling)) {
                return;
            }
            throttling = copy;
        }
        notify(Change.PHASE);
    }

    /** Marks the run as failed without finishing it (e.g. virt-v2v reported an error but still runs). */
    public void markFailed() {
        synchronized (this) {
            this.failed = true;
        }
        notify(Change.PHASE);
    }

    /** The last state change: {@code finished: true} together with {@code failed}. Only the first call counts. */
    public boolean finish(boolean failedRun) {
        synchronized (this) {
            if (Boolean.TRUE.equals(finished)) {
                return false;
            }
            this.failed = failedRun || Boolean.TRUE.equals(this.failed);
            this.finished = true;
        }
        notify(Change.PHASE);
        return true;
    }

    // ----- disks, driven by the log parser -----

    /** virt-v2v started copying disk {@code index} (0-based) of {@code count}. */
    public void beginDisk(int index, int count) {
        synchronized (this) {
            currentDisk = index;
            currentSlot = index;
            diskCount = count;
            disksKnown = true;
        }
        notify(Change.PHASE);
    }

    /**
     * The current disk's path as the source names it. Each path appears once: a known path moves to the current
     * index, an unknown one is inserted there.
     */
    public void currentDiskPath(String path) {
        synchronized (this) {
            if (currentDisk < 0) {
                return;
            }
            int found = -1;
            for (int i = 0; i < disks.size(); i++) {
                if (disks.get(i).path().equals(path)) {
                    found = i;
                    break;
                }
            }
            if (found == currentDisk) {
                currentSlot = found;
                return;
            }
            DiskProgress disk = found >= 0 ? disks.remove(found) : new DiskProgress(path, 0);
            // Why a slot: with fewer entries than virt-v2v's index the entry lands at the end; progress must follow it.
            currentSlot = Math.min(currentDisk, disks.size());
            disks.add(currentSlot, disk);
        }
        notify(Change.PHASE);
    }

    /** Whether the current disk has an entry in {@code disks}, i.e. whether its progress would be recorded. */
    public synchronized boolean currentDiskKnown() {
        return currentSlot >= 0 && currentSlot < disks.size();
    }

    /**
     * The current disk's entry gets its real path, keeping its progress (it had a placeholder path). Another entry
     * with that path (from {@code source_disks}) is the same disk and is dropped, so each path appears once.
     */
    public void renameCurrentDisk(String path) {
        synchronized (this) {
            if (!currentDiskKnown() || disks.get(currentSlot).path().equals(path)) {
                return;
            }
            double progress = disks.get(currentSlot).progress();
            for (int i = 0; i < disks.size(); i++) {
                if (i != currentSlot && disks.get(i).path().equals(path)) {
                    disks.remove(i);
                    if (i < currentSlot) {
                        currentSlot--;
                    }
                    break;
                }
            }
            disks.set(currentSlot, new DiskProgress(path, progress));
        }
        notify(Change.PHASE);
    }

    /** Copy progress (0–100) of the current disk; ignored while no known disk is current. */
    public void currentDiskProgress(double percent) {
        synchronized (this) {
            if (!currentDiskKnown()) {
                return;
            }
            DiskProgress d = disks.get(currentSlot);
            if (d.progress() == percent) {
                return;
            }
            disks.set(currentSlot, new DiskProgress(d.path(), percent, d.commitProgress()));
        }
        notify(Change.PROGRESS);
    }

    /**
     * Two-phase on virt-v2v 1.4x: how far {@code qemu-img commit} of the disk named {@code path} (as in
     * {@code source_disks}) has got (0–100); a path without an entry is ignored.
     */
    public void setCommitProgress(String path, double percent) {
        PreCopyDisks twoPhase;
        synchronized (this) {
            twoPhase = preCopy;
        }
        // A two-phase run's disks are the pre-copy's (usePreCopyDisks): the one-phase list is empty then.
        if (twoPhase != null && twoPhase.setCommitProgress(path, percent)) {
            return;
        }
        synchronized (this) {
            int i = 0;
            while (i < disks.size() && !disks.get(i).path().equals(path)) {
                i++;
            }
            if (i == disks.size()) {
                return;
            }
            DiskProgress d = disks.get(i);
            if (d.commitProgress() != null && d.commitProgress() == percent) {
                return;
            }
            disks.set(i, new DiskProgress(d.path(), d.progress(), percent));
        }
        notify(Change.PROGRESS);
    }

    public synchronized int currentDisk() {
        return currentDisk;
    }


    /** Two-phase: the pre-copy's per-disk data replaces {@code disks} in the state file from now on. */
    public void usePreCopyDisks(PreCopyDisks preCopyDisks) {
        synchronized (this) {
            preCopy = preCopyDisks;
            disksKnown = true;
            diskCount = preCopyDisks.size();
        }
        preCopyDisks.setListener(this::notify);
        notify(Change.PHASE);
    }

    // ----- facts for the output targets -----

    /** What the parser learnt for the targets (not part of the state file). */
    public LogFacts facts() {
        return facts;
    }

    // ----- reading -----

    public synchronized Optional<String> vmId() {
        return Optional.ofNullable(vmId);
    }

    public synchronized Optional<LastMessage> lastMessage() {
        return Optional.ofNullable(lastMessage);
    }

    public synchronized boolean isFailed() {
        return Boolean.TRUE.equals(failed);
    }

    /** Whether virt-v2v was started ({@code started: true}). */
    public synchronized boolean isStartedVirtV2v() {
        return Boolean.TRUE.equals(started);
    }

    public synchronized boolean isFinished() {
        return Boolean.TRUE.equals(finished);
    }

    public synchronized List<DiskProgress> disks() {
        return List.copyOf(disks);
    }

    /** The state file's content: only the keys known so far, in a stable order. */
    public synchronized Map<String, Object> snapshot() {
        Map<String, Object> out = new LinkedHashMap<>();
        putIfKnown(out, "started", started);
        putIfKnown(out, "pid", pid);
        if (disksKnown) {
            out.put("disks", preCopy != null ? preCopy.toState()
                    : Collections.unmodifiableList(new ArrayList<>(disks)));
        }
        putIfKnown(out, "disk_count", diskCount);
        putIfKnown(out, "status", status);
        putIfKnown(out, "return_code", returnCode);
        putIfKnown(out, "vm_id", vmId);
        putIfKnown(out, "last_message", lastMessage);
        if (!warnings.isEmpty()) {
            out.put("warnings", List.copyOf(warnings));
        }
        putIfKnown(out, "throttling", throttling);
        putIfKnown(out, "failed", failed);
        putIfKnown(out, "finished", finished);
        return out;
    }

    private static void putIfKnown(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
    }
}
