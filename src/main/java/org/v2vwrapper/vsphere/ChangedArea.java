package org.v2vwrapper.vsphere;

/** A {@code DiskChangeExtent}: {@code length} bytes from byte offset {@code start} of a disk changed. */
public record ChangedArea(long start, long length) {
    public ChangedArea {
        if (start < 0 || length < 0) {
            throw new IllegalArgumentException("negative area " + start + "+" + length);
        }
    }

    public long end() {
        return start + length;
    }
}
