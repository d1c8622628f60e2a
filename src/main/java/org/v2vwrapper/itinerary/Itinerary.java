package org.v2vwrapper.itinerary;

import org.v2vwrapper.request.Mode;

import java.util.List;

/** The steps one mode runs, in order (in the spirit of kubev2v/forklift's migration itineraries). */
public record Itinerary(Mode mode, List<Step> steps) {
    public Itinerary {
        steps = List.copyOf(steps);
    }
}
