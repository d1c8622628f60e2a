package org.v2vwrapper.throttle;

import org.v2vwrapper.throttle.limits.Limits;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;

class StateSinkTest {
    @Test
    void throttlingIsAStateKeyAndWarningsGoToLastMessage() {
        ConversionState state = new ConversionState();
        int[] changes = {0};
        state.setListener(c -> changes[0]++);
        StateSink sink = new StateSink(state);
        Map<String, String> view = Limits.of(50L, 1048576L).stateView(true, true);
        sink.throttling(view);
        sink.throttling(new LinkedHashMap<>(view));
        assertEquals(1, changes[0], "an unchanged value is not published again");
        assertEquals(Map.of("cpu", "50%", "network", "1048576"), state.snapshot().get("throttling"));

        sink.warning("throttling file ignored: cpu: must be ...");
        assertEquals(new LastMessage("throttling file ignored: cpu: must be ...", LastMessage.Type.WARNING),
            state.lastMessage().orElseThrow());
        state.setLastMessage(LastMessage.error("virt-v2v failed"));
        sink.warning("CPU limit not enforced");
        assertEquals(LastMessage.error("virt-v2v failed"), state.lastMessage().orElseThrow(), "an error stays");
    }

    @Test
    void noThrottlingKeyUntilSet() {
        assertEquals(false, new ConversionState().snapshot().containsKey("throttling"));
    }
}
