package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtentsFileTest {
    @TempDir
    Path dir;

    @Test
    void readsJson() throws IOException {
        Path file = Files.writeString(dir.resolve("e.json"), "[{\"start\": 0, \"length\": 512}, {\"start\": 4096, \"length\": 8192}]");
        assertEquals(List.of(new Extent(0, 512), new Extent(4096, 8192)), ExtentsFile.read(file));
    }

    @Test
    void readsLinesWithCommentsAndBlanks() throws IOException {
        Path file = Files.writeString(dir.resolve("e.txt"), "# changed areas\n\n0 512\n  4096\t8192  \n");
        assertEquals(List.of(new Extent(0, 512), new Extent(4096, 8192)), ExtentsFile.read(file));
    }

    @Test
    void badInputNamesTheFileAndTheLine() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.txt"), "0 512\n12 x\n");
        IOException e = assertThrows(IOException.class, () -> ExtentsFile.read(file));
        assertTrue(e.getMessage().contains("bad.txt") && e.getMessage().contains("line 2"), e.getMessage());
        Path json = Files.writeString(dir.resolve("bad.json"), "[{\"start\": 1}]");
        assertThrows(IOException.class, () -> ExtentsFile.read(json));
        Path negative = Files.writeString(dir.resolve("neg.txt"), "-1 5\n");
        assertThrows(IOException.class, () -> ExtentsFile.read(negative));
    }

    @Test
    void normalizeSortsAndMergesOverlaps() {
        assertEquals(List.of(new Extent(0, 30), new Extent(100, 10)),
            Extent.normalize(List.of(new Extent(100, 10), new Extent(10, 20), new Extent(0, 10), new Extent(5, 0),
                new Extent(15, 5))));
    }
}
