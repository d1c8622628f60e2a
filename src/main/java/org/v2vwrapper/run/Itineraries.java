package org.v2vwrapper.run;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.Itinerary;
import org.v2vwrapper.itinerary.Step;
import org.v2vwrapper.request.Mode;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place that says which modes this build can run and with which steps. A new mode plugs in here: a
 * case returning its steps instead of a refusal (the steps themselves live next to {@link ColdSteps}).
 */
public final class Itineraries {
    private Itineraries() {
    }

    /** The mode's steps; a mode this build cannot run is refused here, before anything starts (exit 1). */
    public static Itinerary forMode(Mode mode) throws ConversionException {
        // Java 17 has no pattern switch; Mode is sealed, so these four are all there are.
        if (mode instanceof Mode.Cold cold) {
            return new Itinerary(mode, ColdSteps.steps(cold.input(), cold.destination()));
        }
        if (mode instanceof Mode.TwoPhase twoPhase) {
            // The conversion tools checked first (a missing virt-v2v-in-place must not be found after hours of
            // copying), then the copy (and, warm, re-copy) of the disks to the destination, then their conversion.
            List<Step> steps = new ArrayList<>(TwoPhaseConversionSteps.checks(twoPhase));
            steps.addAll(PreCopySteps.steps(twoPhase));
            steps.addAll(TwoPhaseConversionSteps.steps(twoPhase));
            return new Itinerary(mode, steps);
        }
        if (mode instanceof Mode.OpenstackToOpenstack osp) {
            return new Itinerary(mode, OspToOspSteps.steps(osp));
        }
        if (mode instanceof Mode.NbdExport export) {
            return new Itinerary(mode, NbdExportSteps.steps(export.exports()));
        }
        throw new IllegalStateException("unknown mode " + mode);
    }
}
