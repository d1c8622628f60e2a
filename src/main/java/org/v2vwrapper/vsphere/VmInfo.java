package org.v2vwrapper.vsphere;

import java.util.List;

/**
 * The properties of a VM that the pre-copy and the conversion use, read in one {@code RetrievePropertiesEx}.
 * {@code powerState} is vim25's {@code poweredOn}, {@code poweredOff} or {@code suspended}; {@code firmware} is
 * {@code bios} or {@code efi}.
 */
public record VmInfo(ManagedObjectRef moref, String name, String powerState, boolean changeTrackingEnabled,
                     String firmware, int memoryMB, int numCpu, List<VirtualDiskInfo> disks, List<NicInfo> nics,
                     SnapshotInfo snapshot) {
    public VmInfo {
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
    }

    public boolean poweredOff() {
        return "poweredOff".equals(powerState);
    }
}
