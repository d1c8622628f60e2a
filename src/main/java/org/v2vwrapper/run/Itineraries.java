package org.v2vwrapper.run;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.Itinerary;
import org.v2vwrapper.request.Mode;

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
        if (mode instanceof Mode.TwoPhase) {
            // Plugs in here: copy (and, warm, re-copy) the disks to the conversion host, then ColdSteps on them.
            throw new ConversionException("two_phase: two-phase (warm) conversion is not available in this version");
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
