package org.v2vwrapper.precopy;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.itinerary.RunContext;

import java.util.Objects;
import java.util.Optional;

/**
 * The last part of a two-phase run on virt-v2v 2.x, where virt-v2v no longer makes the VM: after
 * virt-v2v-in-place converted the destination disks in place, make the VM on the destination from them (oVirt:
 * detach the disks from the conversion host's VM, create the VM; OpenStack: detach the volumes, set their image
 * properties, transfer them, create ports and the instance). One implementation per destination that has an API
 * ({@code output.Targets.twoPhaseFinishFor}); the local destination writes a libvirt XML instead.
 *
 * <p>Implementations register the removal of what they make with {@link RunContext#onFailure} (the new VM or
 * instance, its ports), so that a failure in this or a later step removes it; the disks themselves are removed
 * by the undo {@link DestinationDisks#create} registered. Failures are {@link ConversionException}s whose message
 * starts with the step ("detaching the disks: …", "creating the VM: …").
 */
public interface TwoPhaseFinish {

    /**
     * What the conversion found out.
     *
     * @param hardware the source VM's hardware (memory, vCPUs, NICs with MACs and networks), mapped from the
     *                 vSphere config of {@link PreCopyResult#vm()}
     * @param os       virt-v2v-inspector's facts of the converted guest
     * @param caps     what virt-v2v made the guest able to drive (empty: virtio, q35)
     * @param uefi     whether the guest boots with UEFI
     */
    record Converted(GuestHardware hardware, OsFacts os, Optional<GuestCaps> caps, boolean uefi) {
        public Converted {
            Objects.requireNonNull(hardware, "hardware");
            Objects.requireNonNull(os, "os");
            Objects.requireNonNull(caps, "caps");
        }
    }

    /**
     * Makes the VM from {@code copied.disks()} (in order; the first boots), checks it, sets {@code vm_id} in the
     * state and returns it.
     */
    String finish(RunContext ctx, PreCopyResult copied, Converted converted) throws ConversionException;
}
