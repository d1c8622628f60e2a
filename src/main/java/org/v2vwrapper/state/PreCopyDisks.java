package org.v2vwrapper.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-disk data of a two-phase (warm) pre-copy, kept apart from the state model's top level (as
 * {@link LogFacts} is): for each disk its {@code path} (the VMware file name, as in {@code source_disks}),
 * {@code progress} of the current copy (0–100, never backwards within a copy), {@code label}, {@code size},
 * {@code status} and the list of {@code copies} ({@code change_id}, {@code to_copy}, {@code copied},
 * {@code start_time}, {@code end_time} as epoch seconds, {@code status}[, {@code error}]) and, on virt-v2v
 * 1.4x, {@code commit_progress} of its overlay's commit.
 * {@link ConversionState#usePreCopyDisks} puts them into the state file's {@code disks}. Thread-safe: copies of
 * several disks report at once.
 */
public final class PreCopyDisks {
    /** The copy statuses. */
    public static final String COPY_CONNECTED = "Connected";
    public static final String COPY_COPYING = "Copying";
    public static final String COPY_COPIED = "Copied";
    public static final String COPY_FAILED_PREFIX = "Recoverable error during copy: ";

    private final List<Disk> disks = new ArrayList<>();
    private volatile ConversionState.Listener listener = c -> { };

    private static final class Disk {
        final String path;
        final String label;
        final long size;
        String status = "Prepared";
        double progress;
        Double commitProgress;
        final List<Map<String, Object>> copies = new ArrayList<>();

        Disk(String path, String label, long size) {
            this.path = path;
            this.label = label;
            this.size = size;
        }
    }

    public PreCopyDisks(List<String> paths, List<String> labels, List<Long> sizes) {
        for (int i = 0; i < paths.size(); i++) {
            disks.add(new Disk(paths.get(i), labels.get(i), sizes.get(i)));
        }
    }

    void setListener(ConversionState.Listener listener) {
        this.listener = listener;
    }

    public synchronized int size() {
        return disks.size();
    }

    public void setDiskStatus(int disk, String status) {
        synchronized (this) {
            disks.get(disk).status = status;
        }
        listener.changed(ConversionState.Change.PHASE);
    }

    /** A new copy of disk {@code disk} begins: its entry is added, progress goes back to 0. */
    public void beginCopy(int disk, String changeId) {
        synchronized (this) {
            Disk d = disks.get(disk);
            Map<String, Object> copy = new LinkedHashMap<>();
            copy.put("change_id", changeId);
            copy.put("to_copy", 0L);
            copy.put("copied", 0L);
            copy.put("start_time", now());
            copy.put("status", COPY_CONNECTED);
            d.copies.add(copy);
            d.progress = 0;
            d.status = "Copying";
        }
        listener.changed(ConversionState.Change.PHASE);
    }

    /** The areas to copy are known. */
    public void copying(int disk, long toCopy) {
        synchronized (this) {
            Map<String, Object> c = current(disk);
            c.put("to_copy", toCopy);
            c.put("status", COPY_COPYING);
        }
        listener.changed(ConversionState.Change.PHASE);
    }

    /** Bytes done of the current copy; progress only ever moves forward within a copy. */
    public void progress(int disk, long copied, long toCopy) {
        synchronized (this) {
            Disk d = disks.get(disk);
            Map<String, Object> c = current(disk);
            long before = (Long) c.get("copied");
            c.put("copied", Math.max(before, copied));
            double pct = toCopy <= 0 ? 100.0 : Math.min(100.0, 100.0 * copied / toCopy);
            d.progress = Math.max(d.progress, Math.floor(pct * 100) / 100);
        }
        listener.changed(ConversionState.Change.PROGRESS);
    }

    public void copied(int disk) {
        synchronized (this) {
            Disk d = disks.get(disk);
            Map<String, Object> c = current(disk);
            c.put("copied", c.get("to_copy"));
            c.put("end_time", now());
            c.put("status", COPY_COPIED);
            d.progress = 100;
            d.status = "Copied";
        }
        listener.changed(ConversionState.Change.PHASE);
    }

    public void copyFailed(int disk, String message) {
        synchronized (this) {
            Disk d = disks.get(disk);
            Map<String, Object> c = current(disk);
            c.put("end_time", now());
            c.put("status", COPY_FAILED_PREFIX + message);
            c.put("error", true);
            d.status = "Copy failed";
        }
        listener.changed(ConversionState.Change.PHASE);
    }

    /**
     * virt-v2v 1.4x: how far {@code qemu-img commit} of the overlay of the disk named {@code path} has got;
     * false if no disk has that path.
     */
    public boolean setCommitProgress(String path, double percent) {
        synchronized (this) {
            Disk d = disks.stream().filter(x -> x.path.equals(path)).findFirst().orElse(null);
            if (d == null) {
                return false;
            }
            if (d.commitProgress != null && d.commitProgress == percent) {
                return true;
            }
            d.commitProgress = percent;
        }
        listener.changed(ConversionState.Change.PROGRESS);
        return true;
    }

    private Map<String, Object> current(int disk) {
        List<Map<String, Object>> copies = disks.get(disk).copies;
        if (copies.isEmpty()) {
            throw new IllegalStateException("no copy of disk " + disk + " has begun");
        }
        return copies.get(copies.size() - 1);
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** The state file's {@code disks}: path and progress first (what ManageIQ's poller reads), then the rest. */
    synchronized List<Map<String, Object>> toState() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Disk d : disks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", d.path);
            m.put("progress", d.progress);
            m.put("label", d.label);
            m.put("size", d.size);
            m.put("status", d.status);
            List<Map<String, Object>> copies = new ArrayList<>();
            d.copies.forEach(c -> copies.add(new LinkedHashMap<>(c)));
            m.put("copies", copies);
            if (d.commitProgress != null) {
                m.put("commit_progress", d.commitProgress);
            }
            out.add(m);
        }
        return out;
    }
}
