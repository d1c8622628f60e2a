package org.v2vwrapper.v2vlog;

import org.junit.jupiter.api.Test;
import org.v2vwrapper.state.ConversionState;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 15: virt-v2v's warnings reach the state file's {@code warnings}; {@code last_message} stays the first error. */
class WarningsTest {

    private static void feed(LogFeed feed, byte[] bytes) throws IOException {
        feed.feed(bytes, 0, bytes.length);
        feed.close();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> warnings(ConversionState state) {
        return (List<Map<String, String>>) state.snapshot().getOrDefault("warnings", List.of());
    }

    @Test
    void textLogWarningsOf22AreListed() throws IOException {
        ConversionState state = new ConversionState();
        V2vLogParser parser = new V2vLogParser(state);
        feed(parser.newStream(), Fixtures.bytes("2.2/local-1disk-verbose.stderr"));
        feed(parser.newStream(), Fixtures.bytes("2.2/local-1disk-verbose.stdout"));
        List<Map<String, String>> w = warnings(state);
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.get(0).get("message").startsWith("QEMU Guest Agent MSI not found"), w.toString());
        assertTrue(w.get(1).get("message").startsWith("there are no virtio drivers available"), w.toString());
        assertTrue(w.stream().allMatch(m -> m.get("type").equals("warning")));
    }

    @Test
    void theMachineReadableLogAddsNoDuplicateAndKeepsTheFullText() throws IOException {
        ConversionState state = new ConversionState();
        V2vLogParser parser = new V2vLogParser(state);
        feed(parser.newStream(), Fixtures.bytes("2.2/local-1disk-verbose.stderr"));
        feed(new MachineReadableParser(state).newStream(), Fixtures.bytes("2.2/local-1disk-verbose.mr.log"));
        List<Map<String, String>> w = warnings(state);
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.get(1).get("message").endsWith("The guest will be configured to use slower emulated devices."),
                w.toString());
    }

    @Test
    void colouredTerminalWarningsAreListedWithoutEscapes() throws IOException {
        ConversionState state = new ConversionState();
        feed(new V2vLogParser(state).newStream(), Fixtures.bytes("2.2/local-2disks-tty.typescript"));
        List<Map<String, String>> w = warnings(state);
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.stream().noneMatch(m -> m.get("message").contains("\u001b") || m.get("message").contains("\r")));
    }

    @Test
    void warningsDoNotReplaceTheFirstError() throws IOException {
        ConversionState state = new ConversionState();
        String mr = """
                { "message": "first failure", "type": "error" }
                { "message": "a later warning", "type": "warning" }
                { "message": "second failure", "type": "error" }
                """;
        feed(new MachineReadableParser(state).newStream(), mr.getBytes(StandardCharsets.UTF_8));
        assertEquals("first failure", state.lastMessage().orElseThrow().message());
        assertEquals(List.of(Map.of("message", "a later warning", "type", "warning")), warnings(state));
    }

    @Test
    void theListIsBounded() {
        ConversionState state = new ConversionState();
        for (int i = 0; i < ConversionState.MAX_WARNINGS + 10; i++) {
            state.addWarning("warning number " + i + ".");
        }
        assertEquals(ConversionState.MAX_WARNINGS, warnings(state).size());
    }
}
