package org.v2vwrapper.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the log parser learns that the output targets need and the state file does not show: the oVirt disk ids
 * virt-v2v created, the OpenStack volume ids per disk, the display name. Kept apart from the state model
 * ({@link ConversionState}), which holds only the state file's keys. Thread-safe: the monitor thread writes,
 * the run's main thread (and the shutdown hook's cleanup) reads.
 *
 * <p>Per-disk data of later modes (warm pre-copy iterations) belongs in an object of its own per disk, next to
 * this one, not on the state model's top level.
 */
public final class LogFacts {
    private final List<String> ovirtDiskIds = new ArrayList<>();
    private final TreeMap<Integer, String> ospVolumeIds = new TreeMap<>();
    private String displayName;

    public synchronized void addOvirtDiskId(String id) {
        if (!ovirtDiskIds.contains(id)) {
            ovirtDiskIds.add(id);
        }
    }

    public synchronized List<String> ovirtDiskIds() {
        return List.copyOf(ovirtDiskIds);
    }

    /** An OpenStack volume that virt-v2v created for disk {@code index} (1-based, as virt-v2v counts). */
    public synchronized void putOspVolumeId(int index, String volumeId) {
        ospVolumeIds.put(index, volumeId);
    }

    /** Volume ids in disk-index order. */
    public synchronized List<String> ospVolumeIds() {
        return List.copyOf(ospVolumeIds.values());
    }

    public synchronized void setDisplayName(String name) {
        this.displayName = name;
    }

    public synchronized Optional<String> displayName() {
        return Optional.ofNullable(displayName);
    }
}
