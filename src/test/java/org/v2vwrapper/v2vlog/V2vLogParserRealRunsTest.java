package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.v2vwrapper.state.DiskProgress;

/**
 * The real virt-v2v 2.2 runs of {@code src/test/resources/fixtures/real-v2v} (see its README), stdout and stderr
 * merged in the order their {@code .timed} files say they arrived, into one stream as the wrapper's virt-v2v.log
 * holds them.
 */
class V2vLogParserRealRunsTest {

    private static final Path DIR = Path.of("src/test/resources/fixtures/real-v2v");
    private static final Pattern TIMED = Pattern.compile("\\s*(\\d+\\.\\d+) (.*)", Pattern.DOTALL);

    private record Piece(double t, int stream, int seq, String text) {
    }

    /** Both {@code .timed} files of {@code base} as one byte stream, ordered by arrival time (stable). */
    static byte[] mergedInArrivalOrder(String base) {
        List<Piece> pieces = new ArrayList<>();
        String[] streams = {"stdout", "stderr"};
        for (int k = 0; k < streams.length; k++) {
            String text = latin1(DIR.resolve(base + "." + streams[k] + ".timed"));
            int seq = 0;
            for (String line : text.split("\n")) {
                Matcher m = TIMED.matcher(line);
                if (m.matches()) {
                    pieces.add(new Piece(Double.parseDouble(m.group(1)), k, seq++, m.group(2) + "\n"));
                }
            }
        }
        pieces.sort(Comparator.comparingDouble(Piece::t).thenComparingInt(Piece::stream).thenComparingInt(Piece::seq));
        StringBuilder out = new StringBuilder();
        pieces.forEach(p -> out.append(p.text()));
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String latin1(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Harness replay(String base, List<String> sourceDisks, int chunk) {
        Harness h = new Harness();
        h.state.initDisks(sourceDisks);
        Harness.feedAll(h.stdout, mergedInArrivalOrder(base), chunk);
        return h;
    }

    /**
     * Disk 1's bars all arrived before its {@code Copying disk 1/2} line, and disk 2's first bars (0, 0, 12) too.
     * The parser used to keep only the latest held value and gave disk 1 disk 2's 12 %, for good.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 64, 4096})
    void twoFastDisksWhoseBarsComeBeforeTheirCopyingLines(int chunk) {
        Harness h = replay("local-2disks-random1g-plain", List.of("/g/windows.img", "/g/random1g.img"), chunk);
        assertEquals(List.of(new DiskProgress("/g/windows.img", 100), new DiskProgress("/g/random1g.img", 100)),
                h.snapshot().get("disks"));
        assertEquals(List.of(0.0, 100.0), h.progressOf("/g/windows.img"));
        assertEquals(List.of(0.0, 12.0, 25.0, 37.0, 50.0, 62.0, 75.0, 87.0, 100.0), h.progressOf("/g/random1g.img"));
        assertEquals("Finishing off", h.snapshot().get("status"));
    }

    @Test
    void slowSecondDiskShowsItsHalfWayMark() {
        Harness h = replay("local-2disks-slowcopy-plain", List.of("/g/windows.img", "/g/slow.img"), 4096);
        assertEquals(List.of(new DiskProgress("/g/windows.img", 100), new DiskProgress("/g/slow.img", 100)),
                h.snapshot().get("disks"));
        assertEquals(List.of(0.0, 50.0, 100.0), h.progressOf("/g/slow.img"));
    }

    /** Without {@code source_disks} the same run gets placeholder paths, each disk its own bars. */
    @Test
    void twoFastDisksWithoutSourceDisks() {
        Harness h = replay("local-2disks-random1g-plain", List.of(), 4096);
        assertEquals(List.of(new DiskProgress("disk 1", 100), new DiskProgress("disk 2", 100)),
                h.snapshot().get("disks"));
    }
}
