package org.v2vwrapper.precopy;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.ConvertedGuest;
import org.v2vwrapper.itinerary.RunContext;

import java.io.IOException;
import java.util.Optional;

/**
 * The last step of a two-phase conversion on virt-v2v 2.x, where virt-v2v no longer makes the VM: one
 * implementation per destination (the counterpart of {@link DestinationDisks}). oVirt: detach the disks from the
 * conversion host, create the VM through the engine API; OpenStack: image properties, transfer, instance; local:
 * a libvirt XML beside the disks.
 */
public interface TwoPhaseFinish {

    /** What {@code --dry-run} says this finish does. */
    String describe();

    /**
     * Makes the VM of the converted disks {@code result.disks()} (in the source's order). Registers the removal of
     * what it makes with {@link RunContext#onFailure} as it goes; a failure's message names what failed.
     *
     * @return the new VM's id on the destination ({@code vm_id} in the state file), empty where none exists (local)
     */
    Optional<String> finish(RunContext ctx, PreCopyResult result, ConvertedGuest guest)
            throws ConversionException, IOException;
}
