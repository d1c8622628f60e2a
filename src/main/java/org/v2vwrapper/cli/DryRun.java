package org.v2vwrapper.cli;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.run.ItineraryPreview;

/**
 * {@code --dry-run}: plan the conversion offline and print the virt-v2v command and the itinerary with every
 * secret replaced by a placeholder. Nothing is written, started or contacted (except asking the local virt-v2v what it can do).
 */
final class DryRun {
    private DryRun() {
    }

    /** The printed plan: transport and output, the command, the itinerary (see {@link ItineraryPreview}). */
    static String describe(ConversionRequest request, WrapperSettings settings, V2vCapabilities caps)
            throws ConversionException {
        return ItineraryPreview.describe(request, settings, caps);
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
