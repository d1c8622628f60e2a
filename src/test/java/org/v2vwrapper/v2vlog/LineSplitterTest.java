package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

    private static List<String> split(byte[] data, int chunk) {
        List<String> lines = new ArrayList<>();
        LineSplitter splitter = new LineSplitter((b, s, e, m) -> lines.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
        for (int off = 0; off < data.length; off += chunk) {
            splitter.feed(data, off, Math.min(chunk, data.length - off));
        }
        splitter.flush();
        return lines;
    }

    private static List<String> split(String text, int chunk) {
        return split(text.getBytes(StandardCharsets.UTF_8), chunk);
    }

    @Test
    void endsLinesAtNewlineAndCarriageReturn() {
        assertEquals(List.of("a", "b", "", "c", "▝ 25% [**--]", "nbdkit: debug: x", "tail"),
                split("a\nb\r\nc\r▝ 25% [**--]\rnbdkit: debug: x\ntail", 1 << 16));
    }

    @Test
    void sameLinesWhateverTheChunks() {
        String text = "first line\r    (1.56/100%)\r    (3.12/100%)\r\n[  41.1] Copying disk 1/1\n"
                + "x".repeat(100) + "\nlast without end";
        List<String> expected = split(text, 1 << 16);
        for (int chunk = 1; chunk <= text.length(); chunk++) {
            assertEquals(expected, split(text, chunk), "chunk " + chunk);
        }
    }

    @Test
    void partialLineWaitsForItsEnd() {
        List<String> lines = new ArrayList<>();
        LineSplitter splitter = new LineSplitter((b, s, e, m) -> lines.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
        byte[] part = "    (12.5".getBytes(StandardCharsets.UTF_8);
        splitter.feed(part, 0, part.length);
        assertEquals(List.of(), lines);
        byte[] rest = "0/100%)\r".getBytes(StandardCharsets.UTF_8);
        splitter.feed(rest, 0, rest.length);
        assertEquals(List.of("    (12.50/100%)"), lines);
        splitter.flush();
        assertEquals(1, lines.size(), "nothing pending after a terminated line");
    }

    @Test
    void overlongLinesAreCutTheSameWayWhateverTheChunks() {
        String text = "y".repeat(LineSplitter.MAX_LINE + 100) + "\nnext\n";
        List<String> whole = split(text, text.length());
        assertEquals(List.of("y".repeat(LineSplitter.MAX_LINE), "next"), whole);
        assertEquals(whole, split(text, 1000));
    }
}
