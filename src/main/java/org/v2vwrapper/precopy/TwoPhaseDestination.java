package org.v2vwrapper.precopy;

import org.v2vwrapper.itinerary.Slot;

import java.util.Objects;
import java.util.Optional;

/**
 * The destination side of one two-phase run: the disks the pre-copy writes into and, where the destination has
 * an API that makes the VM (oVirt, OpenStack), the finish after virt-v2v-in-place. Both share one connection and
 * one record of what the run made, so make it once per run ({@code output.Targets.twoPhaseFor}) and hand it on
 * through {@link #SLOT}.
 */
public record TwoPhaseDestination(DestinationDisks disks, Optional<TwoPhaseFinish> finish) {
    public static final Slot<TwoPhaseDestination> SLOT = new Slot<>("two-phase destination", TwoPhaseDestination.class);

    public TwoPhaseDestination {
        Objects.requireNonNull(disks, "disks");
        Objects.requireNonNull(finish, "finish");
    }
}
