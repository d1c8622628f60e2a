package org.v2vwrapper.vsphere;

import java.util.List;

/**
 * A VM's {@code snapshot} property: the current snapshot and every snapshot of the tree, parents first.
 * {@link #NONE} when the VM has no snapshot.
 */
public record SnapshotInfo(ManagedObjectRef currentSnapshot, List<Entry> snapshots) {
    public static final SnapshotInfo NONE = new SnapshotInfo(null, List.of());

    public SnapshotInfo {
        snapshots = List.copyOf(snapshots);
    }

    /** One {@code VirtualMachineSnapshotTree} node; {@code parent} is {@code null} for a root. */
    public record Entry(ManagedObjectRef snapshot, String name, String description, ManagedObjectRef parent) {
    }

    public boolean isEmpty() {
        return snapshots.isEmpty();
    }
}
