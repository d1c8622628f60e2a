package org.v2vwrapper.request;

import java.util.Optional;

/**
 * What kind of migration a request asks for. Decided once, in {@link ConversionRequest#mode()}; everything that
 * differs between modes (the itinerary of steps, what {@code --dry-run} prints, which destination is allowed)
 * switches over this type instead of re-reading the request's booleans.
 */
public sealed interface Mode {

    /** A short name for logs, {@code --dry-run} and refusals. */
    String name();

    /** virt-v2v reads the source through {@code input} and writes {@code destination} in one go. */
    record Cold(TransportMethod input, Destination destination) implements Mode {
        @Override
        public String name() {
            return "cold";
        }
    }

    /**
     * virt-v2v converts on the conversion host after the disks were copied there ({@code two_phase}); with
     * {@code warm}, the copy is repeated every {@code iterationSeconds} while the VM runs.
     */
    record TwoPhase(TransportMethod input, Destination destination, String conversionHostUuid, boolean warm,
                    Optional<Integer> iterationSeconds) implements Mode {
        @Override
        public String name() {
            return warm ? "two-phase (warm)" : "two-phase";
        }
    }

    /**
     * OpenStack to OpenStack: the source VM's volumes are copied over ssh between the two clouds' conversion
     * hosts and attached to a new instance; virt-v2v does not run. ({@code transport_method: ssh} is how the
     * request says so; it is not virt-v2v's {@code -i vmx -it ssh} here, so no {@link TransportMethod} is kept.)
     */
    record OpenstackToOpenstack(OspSourceEnvironment source, Destination.Openstack destination) implements Mode {
        @Override
        public String name() {
            return "openstack-to-openstack";
        }
    }

    /**
     * {@code nbd_export_only}: export devices read-only over NBD on loopback ports (for the destination's wrapper,
     * through an ssh tunnel) until SIGTERM; no conversion, no destination.
     */
    record NbdExport(ExportMap exports) implements Mode {
        @Override
        public String name() {
            return "nbd-export";
        }
    }
}
