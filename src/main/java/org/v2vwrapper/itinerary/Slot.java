package org.v2vwrapper.itinerary;

/**
 * A typed place in the {@link RunContext} where one step leaves what a later step needs (the capabilities, the
 * validated target, the command...). Slots are declared next to the steps that fill them.
 */
public record Slot<T>(String name, Class<T> type) {
}
