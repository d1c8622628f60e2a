package org.v2vwrapper.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusViewTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** 64 s after the second copy of two-phase-precopy.json started. */
    private static final double NOW = 1764586864.0;

    static JsonNode sample(String name) throws IOException {
        try (InputStream in = StatusViewTest.class.getResourceAsStream("/state-samples/" + name)) {
            return MAPPER.readTree(in);
        }
    }

    @Test
    void onePhaseShowsPhaseAndEachDiskWithABar() throws IOException {
        String view = StatusView.render(sample("one-phase-copying.json"), NOW);
        assertTrue(view.contains("Result:       running"), view);
        assertTrue(view.contains("Phase:        Copying disk 1/2"), view);
        assertTrue(view.contains("virt-v2v:     running, pid 4242"), view);
        assertTrue(view.contains("  1 [#################-------------]  57.3%  [datastore1] web01/web01.vmdk"), view);
        assertTrue(view.contains("  2 [------------------------------]   0.0%  [datastore1] web01/web01_1.vmdk"), view);
        assertFalse(view.contains("Throttling"), view);
        assertEquals("running | Copying disk 1/2 | disk 1 57.3%, disk 2 0.0%",
                StatusView.line(sample("one-phase-copying.json")));
    }

    @Test
    void twoPhaseShowsSizeIterationRateThrottlingAndWarnings() throws IOException {
        String view = StatusView.render(sample("two-phase-precopy.json"), NOW);
        assertTrue(view.contains("Phase:        Pre-copy #2"), view);
        assertTrue(view.contains("virt-v2v:     not started"), view);
        assertTrue(view.contains("[datastore1] db01/db01.vmdk  20.0 GiB  Copying"), view);
        // 512 MiB in 64 s.
        assertTrue(view.contains("copy #2 Copying: 512.0 MiB of 1.0 GiB at 8.0 MiB/s"), view);
        // A finished copy's rate uses its end time, not now.
        assertTrue(view.contains("copy #1 Copied: 0 B of 0 B at 0 B/s"), view);
        assertTrue(view.contains("Throttling:   cpu 50%, network 10.0 MiB/s"), view);
        assertTrue(view.contains("Warnings:     1\n  - virt-v2v: warning: the guest has no virtio drivers installed"),
                view);
        assertEquals("running | Pre-copy #2 | disk 1 50.0%, disk 2 100.0% | throttling cpu 50%, network 10.0 MiB/s",
                StatusView.line(sample("two-phase-precopy.json")));
    }

    @Test
    void failedShowsTheFirstErrorAndTheExitCode() throws IOException {
        JsonNode state = sample("failed.json");
        String view = StatusView.render(state, NOW);
        assertEquals("failed", StatusView.result(state));
        assertTrue(view.startsWith("Result:       failed: virt-v2v: error: inspection could not detect the source guest\n"),
                view);
        assertTrue(view.contains("virt-v2v:     exited with 1 (pid 4242)"), view);
        assertTrue(view.contains("Last message: (error) virt-v2v: error: inspection"), view);
        assertTrue(view.contains("  - virt-v2v: warning: could not determine the guest's time zone"), view);
    }

    @Test
    void finishedShowsTheNewVm() throws IOException {
        JsonNode state = sample("finished.json");
        String view = StatusView.render(state, NOW);
        assertEquals("converted", StatusView.result(state));
        assertTrue(view.startsWith("Result:       converted (VM 8d3c5c2e-0d1f-4b2a-9b1e-3c4d5e6f7a8b)\n"), view);
        assertTrue(view.contains("[##############################] 100.0%"), view);
        assertEquals("converted (VM 8d3c5c2e-0d1f-4b2a-9b1e-3c4d5e6f7a8b) | disk 1 100.0%", StatusView.line(state));
    }

    @Test
    void anInvalidRequestHasNoDisks() throws IOException {
        String view = StatusView.render(sample("invalid-request.json"), NOW);
        assertEquals("Result:       failed: invalid request: rhv_cluster: required with rhv_url\n"
                + "virt-v2v:     not started\n"
                + "Last message: (error) invalid request: rhv_cluster: required with rhv_url\n", view);
    }

    @Test
    void bytesUseBinaryUnits() {
        assertEquals("0 B", StatusView.bytes(0));
        assertEquals("1023 B", StatusView.bytes(1023));
        assertEquals("1.5 KiB", StatusView.bytes(1536));
        assertEquals("20.0 GiB", StatusView.bytes(21474836480.0));
    }
}
