package org.v2vwrapper.cli;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.OutputTarget;
import org.v2vwrapper.plan.PlanBuilder;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.SourceTransport;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.plan.VirtV2vCommand;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;

/**
 * {@code --dry-run}: plan the conversion offline and print the virt-v2v command with every secret replaced by
 * a placeholder. Nothing is written, started or contacted (except asking the local virt-v2v what it can do).
 */
final class DryRun {
    private DryRun() {
    }

    /** The printed plan: a comment line naming transport and output, then the command. */
    static String describe(ConversionRequest request, WrapperSettings settings, V2vCapabilities caps)
            throws ConversionException {
        if (request.isOpenstackToOpenstack()) {
            return "# transport ssh (OpenStack to OpenStack), output openstack: volumes are copied between "
                    + "conversion hosts, virt-v2v does not run";
        }
        SourceTransport transport = PlanBuilder.transportFor(request);
        OutputTarget target = PlanBuilder.targetFor(request);
        try (Cleanup cleanup = new Cleanup()) {
            PlanContext ctx = new PlanContext(request, settings, SecretStore.dryRun(), caps, cleanup, true);
            VirtV2vCommand command = PlanBuilder.command(ctx, transport, target);
            String phases = request.warm() ? ", two-phase (warm)" : request.twoPhase() ? ", two-phase" : "";
            return "# transport " + transport.name() + ", output " + target.name() + phases + "\n"
                    + command.describe();
        }
    }

    /** This virt-v2v's capabilities, or, when it cannot be run here, those of virt-v2v 2.2. */
    static V2vCapabilities capabilities(WrapperSettings settings) {
        try {
            return V2vCapabilities.query(settings.virtV2v());
        } catch (ConversionException e) {
            return V2vCapabilities.parse(String.join("\n", "virt-v2v", "virt-v2v-2.0", "vddk", "mac-option", "io/oo",
                    "input:disk", "input:libvirt", "input:vmx", "output:local", "output:openstack", "output:rhv-upload"));
        }
    }
}
