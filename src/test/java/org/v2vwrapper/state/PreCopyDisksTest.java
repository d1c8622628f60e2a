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
}
