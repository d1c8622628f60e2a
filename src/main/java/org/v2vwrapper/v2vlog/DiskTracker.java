package org.v2vwrapper.v2vlog;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.v2vwrapper.state.ConversionState;

/**
 * Which disk virt-v2v copies, under which path, how far: the log's disk facts turned into {@link ConversionState}
 * calls. Rules (see docs/log-parsing.md):
 * <ul>
 *   <li>The first real path learnt for a disk wins (VDDK may log "Opening file" again, e.g. for a parent in a
 *       snapshot chain); 2.x input nbdkit blocks may come before the disk's copy starts and are kept by index.</li>
 *   <li>Progress with no entry for the current disk (no {@code -v}, no {@code source_disks}) first inserts a
 *       placeholder path {@code "disk N"}, so it is not lost; a real path learnt later replaces it.</li>
 *   <li>Progress that goes down after the current disk reached 100 % belongs to the next disk (its
 *       {@code Copying disk} line on stdout can arrive after its first nbdcopy bars on stderr): it waits, and
 *       the latest such value is applied when the next disk begins. The same holds before the first disk.
 *       Held values form one segment per disk (a value lower than the one before starts the next disk's), so
 *       bars of two fast disks that both arrive before their {@code Copying disk} lines go to their own disks
 *       (seen with real virt-v2v 2.2: a disk's bars finished before its line, the next disk's bars began).</li>
 * </ul>
 */
final class DiskTracker {

    static final String PLACEHOLDER_PREFIX = "disk ";

    private final ConversionState state;
    private final Map<Integer, String> inputPaths = new HashMap<>();
    private int current = -1;
    private boolean pathKnown;
    private boolean placeholder;
    private double last = -1;
    /** Held progress, the latest value of each disk still to begin, oldest first. */
    private final ArrayDeque<Double> pending = new ArrayDeque<>();

    DiskTracker(ConversionState state) {
        this.state = state;
    }

    /** {@code Copying disk N/M}: {@code index} is 0-based. */
    void begin(int index, int count) {
        state.beginDisk(index, count);
        current = index;
        pathKnown = false;
        placeholder = false;
        last = -1;
        String input = inputPaths.get(index);
        if (input != null) {
            path(input);
        }
        Double held = pending.pollFirst();
        if (held != null) {
            apply(held);
        }
    }

    /** 2.x: the input nbdkit for disk {@code index} serves {@code path}. */
    void inputPath(int index, String path) {
        inputPaths.put(index, path);
        if (index == current) {
            path(path);
        }
    }

    /** The current disk's source path, as the source names it. */
    void path(String path) {
        if (current < 0 || pathKnown) {
            return;
        }
        pathKnown = true;
        if (placeholder) {
            placeholder = false;
            state.renameCurrentDisk(path);
        } else {
            state.currentDiskPath(path);
        }
    }

    void progress(double percent) {
        if (current < 0 || !pending.isEmpty() || (last >= 100 && percent < last)) {
            hold(percent);
            return;
        }
        apply(percent);
    }

    /** Progress of a disk that has not begun yet: it extends the newest segment, or a drop starts another. */
    private void hold(double percent) {
        if (pending.isEmpty() || percent < pending.peekLast()) {
            pending.addLast(percent);
        } else {
            pending.pollLast();
            pending.addLast(percent);
        }
    }

    private void apply(double percent) {
        if (percent == last) {
            return;
        }
        if (!state.currentDiskKnown()) {
            state.currentDiskPath(PLACEHOLDER_PREFIX + (current + 1));
            placeholder = true;
        }
        state.currentDiskProgress(percent);
        last = percent;
    }
}
