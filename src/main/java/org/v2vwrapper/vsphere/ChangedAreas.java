package org.v2vwrapper.vsphere;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Pages {@code QueryChangedDiskAreas} over a whole disk and merges the answers into one sorted list of
 * non-overlapping areas.
 *
 * <p>The next call starts where the last answer ends: after its last area ({@code start + length}), or, when an
 * answer has no area, after the interval it covered ({@code startOffset + length}). (The reference adds that to the
 * offset instead, which skips ranges once answers are paged.)
 */
public final class ChangedAreas {
    private ChangedAreas() {
    }

    /**
     * Every area of disk {@code diskKey} (of {@code capacity} bytes) changed since {@code changeId} ({@code "*"}
     * for every allocated area) as of {@code snapshot}.
     *
     * @throws VsphereException from a call, or when an answer would not move the offset forward
     */
    public static List<ChangedArea> query(VsphereClient client, ManagedObjectRef vm, ManagedObjectRef snapshot,
                                          int diskKey, long capacity, String changeId) throws VsphereException {
        List<ChangedArea> all = new ArrayList<>();
        long offset = 0;
        while (offset < capacity) {
            DiskChangeInfo info = client.queryChangedDiskAreas(vm, snapshot, diskKey, offset, changeId);
            long next;
            if (info.changedAreas().isEmpty()) {
                next = info.startOffset() + info.length();
            } else {
                ChangedArea last = info.changedAreas().get(info.changedAreas().size() - 1);
                next = last.end();
                all.addAll(info.changedAreas());
            }
            if (next <= offset) {
                throw new VsphereException("QueryChangedDiskAreas", null, "vSphere QueryChangedDiskAreas failed:"
                        + " the answer for disk " + diskKey + " at offset " + offset + " does not move forward");
            }
            offset = next;
        }
        return merge(all, capacity);
    }

    /** Sorted, overlapping and touching areas joined, clipped to {@code capacity}, empty ones dropped. */
    public static List<ChangedArea> merge(List<ChangedArea> areas, long capacity) {
        List<ChangedArea> sorted = new ArrayList<>(areas);
        sorted.sort(Comparator.comparingLong(ChangedArea::start));
        List<ChangedArea> out = new ArrayList<>();
        long curStart = -1;
        long curEnd = -1;
        for (ChangedArea a : sorted) {
            long start = a.start();
            long end = Math.min(a.end(), capacity);
            if (end <= start) {
                continue;
            }
            if (curStart >= 0 && start <= curEnd) {
                curEnd = Math.max(curEnd, end);
            } else {
                if (curStart >= 0) {
                    out.add(new ChangedArea(curStart, curEnd - curStart));
                }
                curStart = start;
                curEnd = end;
            }
        }
        if (curStart >= 0) {
            out.add(new ChangedArea(curStart, curEnd - curStart));
        }
        return out;
    }

    /** The bytes the areas cover. */
    public static long totalBytes(List<ChangedArea> areas) {
        long sum = 0;
        for (ChangedArea a : areas) {
            sum += a.length();
        }
        return sum;
    }
}
