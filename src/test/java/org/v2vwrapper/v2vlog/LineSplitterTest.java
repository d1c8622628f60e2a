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
    void controlAndNonAsciiBytesAreNoLineEnds() {
        // tab, NUL, VT, FF, ESC and UTF-8 (bytes >= 0x80, e.g. the spinner) are candidates or near them in the
        // eight-byte scan, but only \n and \r end a line
        String text = "a\tb\u0000c\u000bd\u000ce\u001b[0m▝ 25% [*-]\u0085f\ng";
        assertEquals(List.of("a\tb\u0000c\u000bd\u000ce\u001b[0m▝ 25% [*-]\u0085f", "g"), split(text, 1 << 16));
    }

    @Test
    void reportsTheFirstMarkerOfEachLine() {
        List<Integer> marks = new ArrayList<>();
        LineSplitter splitter = new LineSplitter((b, s, e, m) -> marks.add(m < 0 ? -1 : m - s), (byte) '%');
        byte[] data = "no marker here at all\n    (12.50/100%)\rx%y%z and some more text\n%\n".getBytes(StandardCharsets.UTF_8);
        splitter.feed(data, 0, data.length);
        assertEquals(List.of(-1, 14, 1, 0), marks);
        marks.clear();
        for (int i = 0; i < data.length; i++) {
            splitter.feed(data, i, 1);
        }
        assertEquals(List.of(-1, 14, 1, 0), marks, "same when every line is carried across chunks");
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
