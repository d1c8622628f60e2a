package org.v2vwrapper.nbd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A byte range of a disk. */
public record Extent(long offset, long length) {
    public Extent {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative extent: offset=" + offset + " length=" + length);
        }
    }

    public long end() {
        return offset + length;
    }

    /**
     * Sorts, merges overlapping or touching extents and drops empty ones, so that no byte is copied twice.
     */
    public static List<Extent> normalize(List<Extent> extents) {
        List<Extent> sorted = new ArrayList<>(extents);
        sorted.removeIf(e -> e.length() == 0);
        sorted.sort(Comparator.comparingLong(Extent::offset));
        List<Extent> merged = new ArrayList<>();
        for (Extent e : sorted) {
            if (!merged.isEmpty() && merged.get(merged.size() - 1).end() >= e.offset()) {
                Extent last = merged.remove(merged.size() - 1);
                merged.add(new Extent(last.offset(), Math.max(last.end(), e.end()) - last.offset()));
            } else {
                merged.add(e);
            }
        }
        return merged;
    }

    public static long totalLength(List<Extent> extents) {
        return extents.stream().mapToLong(Extent::length).sum();
    }
}
