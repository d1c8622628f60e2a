package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;

class MachineReadableParserTest {

    private final ConversionState state = new ConversionState();
    private final MachineReadableParser parser = new MachineReadableParser(state);

    @Test
    void errorBecomesLastMessageAndFailsTheRun() {
        parser.line("{ \"message\": \"Opening the source\", \"timestamp\": \"t\", \"type\": \"message\" }");
        parser.line("{ \"message\": \"no virtio drivers\", \"timestamp\": \"t\", \"type\": \"warning\" }");
        assertEquals(Optional.empty(), state.lastMessage());
        assertFalse(state.isFailed());

        parser.line("{ \"message\": \"first\\nsecond line\", \"timestamp\": \"t\", \"type\": \"error\" }");
        parser.line("{ \"message\": \"a later error\", \"timestamp\": \"t\", \"type\": \"error\" }");
        assertEquals(Optional.of(LastMessage.error("first\nsecond line")), state.lastMessage());
        assertTrue(state.isFailed());
        assertFalse(state.isFinished(), "failed is marked, finishing is the runner's job");
    }

    @Test
    void unparseableLinesAreSkipped() {
        parser.line("not json");
        parser.line("{ \"message\": ");
        parser.line("[1, 2]");
        parser.line("{ \"type\": \"error\" }");
        parser.line("{ \"message\": \"m\", \"type\": \"novel\" }");
        parser.line("{ \"message\": \"after the noise\", \"type\": \"error\" }");
        assertEquals(Optional.of(LastMessage.error("after the noise")), state.lastMessage());
    }

    @Test
    void fixtureWithoutErrorLeavesNoMessage() {
        Harness.feedAll(parser.newStream(), Fixtures.bytes("2.2/vdsm-ovf-verbose.mr.log"), 5);
        assertEquals(Optional.empty(), state.lastMessage());
        assertFalse(state.isFailed());
    }
}
