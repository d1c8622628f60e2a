package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;

class SnapshotJsonTest {

    @Test
    void sameDocumentAsDatabindForEveryKey() throws Exception {
        ConversionState state = new ConversionState();
        state.initDisks(List.of("[ds] vm/a.vmdk", "/dev/\"quoted\"\\path"));
        state.markStarted(4242);
        state.beginDisk(0, 2);
        state.currentDiskProgress(12.5);
        state.setStatus("Copying disk 1/2 — ünïcode");
        state.setReturnCode(1);
        state.setVmId("cccccccc-0000-0000-0000-000000000001");
        state.setLastMessage(LastMessage.error("line 1\nline 2"));
        state.finish(true);
        Map<String, Object> snapshot = state.snapshot();
        assertEquals(10, snapshot.size(), "every key present: " + snapshot.keySet());
        assertEquals(new ObjectMapper().writeValueAsString(snapshot), SnapshotJson.write(snapshot));
    }

    @Test
    void unknownValuesFallBackToDatabind() throws Exception {
        Map<String, Object> odd = new LinkedHashMap<>();
        odd.put("when", java.util.Set.of("x"));
        odd.put("n", 1.0f);
        assertEquals(new ObjectMapper().writeValueAsString(odd), SnapshotJson.write(odd));
    }
}
