package org.v2vwrapper.output;

import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.request.Destination;

/** Chooses the target class for a destination (as virt-v2v's own {@code output/select_output.ml}). */
public final class Targets {
    private Targets() {
    }

    public static OutputTarget forDestination(Destination destination) {
        // Java 17 has no pattern switch; Destination is sealed, so these three are all there are.
        if (destination instanceof Destination.Ovirt) {
            return new RhvTarget();
        }
        if (destination instanceof Destination.Openstack) {
            return new OpenstackTarget();
        }
        if (destination instanceof Destination.Local) {
            return new LocalTarget();
        }
        throw new IllegalStateException("unknown destination " + destination);
    }
}
