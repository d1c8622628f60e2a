package org.v2vwrapper.run;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.itinerary.Itinerary;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.Mode;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code --dry-run} prints: a comment naming transport and output, the virt-v2v command (secrets redacted)
 * where the mode runs virt-v2v, then the mode's itinerary, one comment line per step, or the reason this build
 * cannot run the mode. Nothing is written, started or contacted.
 */
public final class ItineraryPreview {
    private ItineraryPreview() {
    }

    public static String describe(ConversionRequest request, WrapperSettings settings, V2vCapabilities caps)
            throws ConversionException {
        Mode mode = request.mode();
        List<String> lines = new ArrayList<>();
        try (Cleanup cleanup = new Cleanup()) {
            RunContext ctx = new RunContext(request, settings, new ConversionState(), cleanup, SecretStore.dryRun(),
                    true);
            ctx.put(ColdSteps.CAPABILITIES, caps);
            if (mode instanceof Mode.OpenstackToOpenstack) {
                lines.add("# transport ssh (OpenStack to OpenStack), output openstack: volumes are "
                        + "copied between conversion hosts, virt-v2v does not run");
            } else if (mode instanceof Mode.TwoPhase t) {
                lines.add("# transport " + request.transportMethod().key() + ", output " + request.destination().name()
                        + ", " + t.name() + ": the disks are copied by nbdkit and the wrapper, then converted");
            } else if (mode instanceof Mode.NbdExport) {
                lines.add("# nbd_export_only: read-only NBD exports on 127.0.0.1 for the destination's ssh tunnel, "
                        + "no conversion");
            } else {
                // Every other mode runs virt-v2v with the request's input (two-phase: on the conversion host).
                var input = request.transportMethod();
                var destination = request.destination();
                String phases = mode instanceof Mode.TwoPhase t ? ", " + t.name() : "";
                lines.add("# transport " + input.key() + ", output " + destination.name() + phases);
                lines.add(ColdSteps.commandFor(ctx, input, destination).describe());
            }
            Itinerary itinerary;
            try {
                itinerary = Itineraries.forMode(mode);
            } catch (ConversionException notBuilt) {
                lines.add("# itinerary (" + mode.name() + "): cannot run in this build: " + notBuilt.getMessage());
                return String.join("\n", lines);
            }
            lines.add("# itinerary (" + mode.name() + "):");
            int n = 1;
            for (Step step : itinerary.steps()) {
                String what = step.preview().isPresent() ? ": " + step.preview().get().describe(ctx) : "";
                lines.add("#   " + n++ + ". " + step.name() + " (" + step.describeTimeout() + ")" + what);
            }
        }
        return String.join("\n", lines);
    }
}
