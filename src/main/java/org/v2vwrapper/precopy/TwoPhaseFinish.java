package org.v2vwrapper.precopy;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.ConvertedGuest;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.itinerary.RunContext;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * The last step of a two-phase conversion on virt-v2v 2.x, where virt-v2v no longer makes the VM: one
 * implementation per destination (the counterpart of {@link DestinationDisks}). oVirt: detach the disks from the
 * conversion host's VM, create the VM through the engine API; OpenStack: detach the volumes, set their image
 * properties, transfer them, create ports and the instance; local: a libvirt XML beside the disks.
 *
 * <p>Implementations register the removal of what they make with {@link RunContext#onFailure} (the new VM or
 * instance, its ports), so that a failure in this or a later step removes it; the disks themselves are removed
 * by the undo {@link DestinationDisks#create} registered. Failures are {@link ConversionException}s whose message
 * starts with the step ("detaching the disks: ...", "creating the VM: ...").
 */
public interface TwoPhaseFinish {

    /** What {@code --dry-run} says this finish does. */
    String describe();

    /**
     * Makes the VM of the converted disks {@code result.disks()} (in the source's order; the first boots).
     *
     * @return the new VM's id on the destination ({@code vm_id} in the state file), empty where none exists (local)
     */
    Optional<String> finish(RunContext ctx, PreCopyResult result, ConvertedGuest guest)
            throws ConversionException, IOException;

    /**
     * virt-v2v 1.4x made the VM through its own output ({@code -o rhv-upload} with the disks' ids): what the
     * destination still has to do once the overlays are committed into the disks. oVirt: detach the disks from
     * the conversion host's VM and check the VM virt-v2v reported ({@code vm_id}, from its log). Nothing by
     * default.
     */
    default void afterVirtV2vMadeTheVm(RunContext ctx, PreCopyResult result) throws ConversionException, IOException {
    }

    /**
     * What the conversion found out, as the API-backed destinations use it.
     *
     * @param hardware the source VM's hardware (memory, vCPUs, NICs with MACs and networks)
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

        public static Converted of(ConvertedGuest guest) {
            return new Converted(guest.hardware(), guest.facts(), Optional.of(guest.caps()), guest.uefi());
        }
    }
}
