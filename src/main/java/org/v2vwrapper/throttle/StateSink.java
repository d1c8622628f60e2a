package org.v2vwrapper.throttle;

import java.util.Map;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;

/**
 * Puts a run's throttling into its state: the {@code throttling} key, and warnings in {@code last_message}
 * unless an error is there already (an error must stay visible to the caller).
 */
public record StateSink(ConversionState state) implements Throttling.Sink {
    @Override
    public void throttling(Map<String, String> inForce) {
        state.setThrottling(inForce);
    }

    @Override
    public void warning(String message) {
        boolean error = state.lastMessage().map(m -> m.type() == LastMessage.Type.ERROR).orElse(false);
        if (!error) {
            state.setLastMessage(new LastMessage(message, LastMessage.Type.WARNING));
        }
    }
}
