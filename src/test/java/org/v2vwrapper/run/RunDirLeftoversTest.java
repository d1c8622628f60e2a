package org.v2vwrapper.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a dead wrapper left in the run directory goes; the caller's files and the ledger stay. */
class RunDirLeftoversTest {
    @TempDir
    Path run;

    @Test
    void secretsTunnelSocketsTwoPhaseWorkAndTemporaryStateFilesGoTheRestStays() throws Exception {
        Files.writeString(Files.createDirectories(run.resolve("secrets-123")).resolve("vmware_password"), "x");
        Files.createFile(Files.createDirectories(run.resolve("v2v-tunnels-456")).resolve("disk0.sock"));
        Files.writeString(Files.createDirectories(run.resolve("two-phase-42/overlays")).resolve("web01-sda.qcow2"), "q");
        Files.writeString(run.resolve(".state.json.789.tmp"), "{");
        Files.writeString(run.resolve("state.json"), "{}");
        Files.writeString(run.resolve("cutover"), "");
        Files.writeString(run.resolve("remote-ledger.json"), "{}");
        List<RunDirLeftovers.Removed> removed = RunDirLeftovers.remove(run, "state.json");
        assertEquals(List.of(".state.json.789.tmp", "secrets-123", "two-phase-42", "v2v-tunnels-456"),
                removed.stream().map(RunDirLeftovers.Removed::name).sorted().toList());
        try (Stream<Path> left = Files.list(run)) {
            assertEquals(List.of("cutover", "remote-ledger.json", "state.json"),
                    left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
