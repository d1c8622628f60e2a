package org.v2vwrapper.output;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.output.osp.OspTimeouts;
import org.v2vwrapper.output.osp.OspTwoPhase;
import org.v2vwrapper.output.rhv.OvirtConnectionFactory;
import org.v2vwrapper.output.rhv.OvirtEndpoint;
import org.v2vwrapper.output.rhv.OvirtPreCopyDisks;
import org.v2vwrapper.output.rhv.OvirtSessions;
import org.v2vwrapper.output.rhv.OvirtTwoPhaseFinish;
import org.v2vwrapper.output.rhv.TwoPhaseWaits;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.precopy.TwoPhaseDestination;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.Destination;
import org.v2vwrapper.request.RhvDestination;

import java.util.Optional;

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

    /**
     * The destination side of a two-phase run on oVirt or OpenStack: the disks the pre-copy writes into and the
     * finish that makes the VM after virt-v2v-in-place (one shared connection); for {@code local_output_dir}, raw
     * files and a libvirt XML beside them.
     */
    public static TwoPhaseDestination twoPhaseFor(ConversionRequest request, WrapperSettings settings)
            throws ConversionException {
        if (request.destination() instanceof Destination.Local local) {
            return new TwoPhaseDestination(
                    new org.v2vwrapper.output.local.LocalDestinationDisks(local.directory(), request.vmName()),
                    Optional.of(new LocalTwoPhaseFinish(local.directory())));
        }
        return remoteTwoPhaseFor(request, settings).orElseThrow(() -> new ConversionException(
                "two_phase: no two-phase destination for " + request.destination().name()));
    }

    /** The oVirt or OpenStack side; empty for {@code local_output_dir}. */
    static Optional<TwoPhaseDestination> remoteTwoPhaseFor(ConversionRequest request, WrapperSettings settings)
            throws ConversionException {
        Destination destination = request.destination();
        if (destination instanceof Destination.Ovirt ovirt) {
            RhvDestination rhv = ovirt.rhv();
            String conversionVm = request.conversionHostUuid().orElseThrow(
                    () -> new ConversionException("two-phase to oVirt needs conversion_host_uuid"));
            OvirtSessions sessions = new OvirtSessions(new OvirtConnectionFactory(),
                    OvirtEndpoint.of(rhv, request.insecureConnection(), settings.caBundle()));
            return Optional.of(new TwoPhaseDestination(
                    new OvirtPreCopyDisks(sessions, new OvirtPreCopyDisks.Params(request.vmName(), rhv.storage(),
                            rhv.cluster(), conversionVm, request.outputFormat(), request.allocation()),
                            settings.devDiskById(), TwoPhaseWaits.DEFAULT),
                    Optional.of(new OvirtTwoPhaseFinish(sessions, conversionVm, request.vmName(), rhv.cluster(),
                            request.networkMappings(), TwoPhaseWaits.DEFAULT))));
        }
        if (destination instanceof Destination.Openstack) {
            OspTwoPhase osp = new OspTwoPhase(request, settings.devDiskById(), OspTimeouts.defaults());
            return Optional.of(new TwoPhaseDestination(osp.disks(), Optional.of(osp.finish())));
        }
        return Optional.empty();
    }
}
