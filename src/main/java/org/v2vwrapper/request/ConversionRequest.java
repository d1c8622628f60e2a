package org.v2vwrapper.request;

import org.v2vwrapper.throttle.limits.Limits;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One validated conversion request, as the caller sent it on stdin. Immutable; secrets are {@link Secret}s,
 * so {@link #toString()} is safe to log. Exactly one of {@link #rhv()}, {@link #osp()} and
 * {@link #localOutputDir()} is present. {@link #throttling()} is the initial limits ({@link Limits#UNLIMITED}
 * without the {@code throttling} key).
 */
public record ConversionRequest(
        String vmName,
        OutputFormat outputFormat,
        TransportMethod transportMethod,
        Optional<String> vmwareUri,
        Optional<Secret> vmwarePassword,
        Optional<String> vmwareFingerprint,
        Optional<Secret> sshKey,
        boolean twoPhase,
        boolean warm,
        Optional<String> conversionHostUuid,
        Optional<Integer> iterationSeconds,
        List<String> sourceDisks,
        List<NetworkMapping> networkMappings,
        boolean installDrivers,
        Optional<Allocation> allocation,
        Optional<Path> luksKeysVault,
        Optional<RhvDestination> rhv,
        Optional<OspDestination> osp,
        Optional<Path> localOutputDir,
        boolean insecureConnection,
        Optional<OspSourceEnvironment> ospSource,
        Optional<ExportMap> nbdExport,
        boolean daemonize,
        Limits throttling) {

    public ConversionRequest {
        sourceDisks = List.copyOf(sourceDisks);
        networkMappings = List.copyOf(networkMappings);
    }

    /** {@code nbd_export_only}: the request is only the export map (no destination, no VM). */
    public boolean nbdExportOnly() {
        return nbdExport.isPresent();
    }

    /** OpenStack to OpenStack: volumes move between clouds, virt-v2v does not run. */
    public boolean isOpenstackToOpenstack() {
        return mode() instanceof Mode.OpenstackToOpenstack;
    }

    /** Where the VM goes; the parser made sure exactly one destination key is present. */
    public Destination destination() {
        if (rhv.isPresent()) {
            return new Destination.Ovirt(rhv.get());
        }
        if (osp.isPresent()) {
            return new Destination.Openstack(osp.get());
        }
        return new Destination.Local(localOutputDir.orElseThrow(
                () -> new IllegalStateException("a request without a destination")));
    }

    /**
     * The one place that decides the mode from the keys. {@code nbd_export_only} is a request of its own (the
     * parser allows no other key with it); OpenStack to OpenStack cannot be two-phase (the parser refuses it).
     */
    public Mode mode() {
        if (nbdExport.isPresent()) {
            return new Mode.NbdExport(nbdExport.get());
        }
        Destination destination = destination();
        if (twoPhase) {
            return new Mode.TwoPhase(transportMethod, destination, conversionHostUuid.orElse(""), warm,
                    iterationSeconds);
        }
        if (ospSource.isPresent() && destination instanceof Destination.Openstack openstack) {
            return new Mode.OpenstackToOpenstack(ospSource.get(), openstack);
        }
        return new Mode.Cold(transportMethod, destination);
    }
}
