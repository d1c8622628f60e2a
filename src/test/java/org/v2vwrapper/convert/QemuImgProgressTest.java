package org.v2vwrapper.convert;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuImgProgressTest {
    /** qemu-img commit -p's captured output (records end in \r), fed in awkward chunks. */
    @Test
    void readsTheCapturedOutputInAnyChunking() throws Exception {
        String out = Files.readString(Tools.FIXTURES.resolve("qemu-img-commit-progress.stdout"), StandardCharsets.UTF_8);
        long records = out.chars().filter(c -> c == '\r').count();
        for (int chunk : new int[] {1, 7, 4096}) {
            List<Double> seen = new ArrayList<>();
            QemuImgProgress p = new QemuImgProgress(seen::add);
            for (int i = 0; i < out.length(); i += chunk) {
                p.feed(out.substring(i, Math.min(out.length(), i + chunk)));
            }
            p.finish();
            assertEquals(records, seen.size(), "chunk " + chunk);
            assertEquals(0.0, seen.get(0));
            assertEquals(1.56, seen.get(1));
            assertEquals(100.0, seen.get(seen.size() - 1));
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i) >= seen.get(i - 1), "never goes back");
            }
        }
    }

    @Test
    void aRecordWithoutTerminatorCountsAtTheEnd() {
        List<Double> seen = new ArrayList<>();
        QemuImgProgress p = new QemuImgProgress(seen::add);
        p.feed("    (42.50/100%)");
        assertEquals(List.of(), seen);
        p.finish();
        assertEquals(List.of(42.5), seen);
    }

    @Test
    void otherTextIsNotProgress() {
        assertEquals(OptionalDouble.empty(), QemuImgProgress.parse("qemu-img: Could not open 'x.qcow2'"));
        assertEquals(OptionalDouble.of(7.0), QemuImgProgress.parse("(7/100%)"));
        assertEquals(OptionalDouble.empty(), QemuImgProgress.parse("(7.0/50%)"));
    }
}
