package org.v2vwrapper.state;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreCopyDisksTest {
    @SuppressWarnings("unchecked")
    private static Map<String, Object> disk(ConversionState s, int i) {
        return ((List<Map<String, Object>>) s.snapshot().get("disks")).get(i);
    }

    @Test
    void disksCarryTheCopiesAndProgressNeverGoesBackWithinACopy() {
        ConversionState state = new ConversionState();
        PreCopyDisks d = new PreCopyDisks(List.of("[ds] a.vmdk"), List.of("Hard disk 1"), List.of(100L));
        state.usePreCopyDisks(d);
        d.beginCopy(0, "*");
        d.copying(0, 1000);
        d.progress(0, 600, 1000);
        d.progress(0, 400, 1000);
        assertEquals(60.0, disk(state, 0).get("progress"));
        d.copyFailed(0, "EIO");
        d.beginCopy(0, "*");
        assertEquals(0.0, disk(state, 0).get("progress"), "a new copy starts at 0");
        d.copying(0, 10);
        d.copied(0);
        Map<String, Object> m = disk(state, 0);
        assertEquals(List.of("path", "progress", "label", "size", "status", "copies"), List.copyOf(m.keySet()));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> copies = (List<Map<String, Object>>) m.get("copies");
        assertEquals(2, copies.size());
        assertEquals(Boolean.TRUE, copies.get(0).get("error"));
        assertTrue(((String) copies.get(0).get("status")).startsWith("Recoverable error during copy: EIO"));
        assertEquals("Copied", copies.get(1).get("status"));
        assertEquals(10L, copies.get(1).get("copied"));
        assertEquals(100.0, m.get("progress"));
        assertEquals(1, state.snapshot().get("disk_count"));
    }

    @Test
    void theCommitProgressOfA14xRunGoesOnTheTwoPhaseDisks() {
        ConversionState state = new ConversionState();
        PreCopyDisks d = new PreCopyDisks(List.of("[ds] a.vmdk", "[ds] b.vmdk"), List.of("Hard disk 1", "Hard disk 2"),
                List.of(100L, 200L));
        state.usePreCopyDisks(d);
        state.setCommitProgress("[ds] b.vmdk", 42.5);
        state.setCommitProgress("[ds] nowhere.vmdk", 10);
        assertEquals(42.5, disk(state, 1).get("commit_progress"));
        assertTrue(!disk(state, 0).containsKey("commit_progress"), "not committed yet: no key");
        state.setCommitProgress("[ds] a.vmdk", 100);
        assertEquals(100.0, disk(state, 0).get("commit_progress"));
    }
}
