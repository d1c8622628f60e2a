package org.v2vwrapper.vsphere;

import java.util.List;

/**
 * One answer of {@code QueryChangedDiskAreas}: the interval {@code [startOffset, startOffset + length)} it covers
 * and the changed areas inside it ({@code changedArea}, possibly empty).
 */
public record DiskChangeInfo(long startOffset, long length, List<ChangedArea> changedAreas) {
    public DiskChangeInfo {
        changedAreas = List.copyOf(changedAreas);
    }
}
