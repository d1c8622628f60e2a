package org.v2vwrapper.precopy;

import org.v2vwrapper.itinerary.Slot;
import org.v2vwrapper.vsphere.VmInfo;

import java.util.List;

/**
 * What the pre-copy hands the conversion steps once the final copy is done: the VM's configuration as vSphere
 * reported it (hardware, NICs, firmware) and the destination disks, now holding the VM's final data.
 */
public record PreCopyResult(VmInfo vm, List<PreparedDisk> disks) {
    public static final Slot<PreCopyResult> SLOT = new Slot<>("pre-copy result", PreCopyResult.class);

    public PreCopyResult {
        disks = List.copyOf(disks);
    }
}
