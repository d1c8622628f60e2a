package org.v2vwrapper.torture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.e2e.Scenario;
import org.v2vwrapper.e2e.WrapperRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 17 item 7: 8 conversions at once on one host (distinct run directories); 4 at once on one: one runs. */
class ConcurrencyIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    static Scenario quick() {
        return conversion(1.0);
    }

    static Scenario conversion(double seconds) {
        return new Scenario().out("[   0.0] Setting up the source").child()
                .out("[  10.0] Copying disk 1/1").errCr(Scenario.progressBar(50)).sleep(seconds)
                .err(Scenario.progressBar(100)).out("[  20.0] Finishing off").exit(0);
    }

    @Test
    void eightAtOnceOnDistinctRunDirectoriesAllSucceed() throws Exception {
        List<WrapperRun> runs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Path dir = tmp.resolve("r" + i);
            WrapperRun run = new WrapperRun(dir).scenario(quick());
            runs.add(run);
        }
        for (int i = 0; i < runs.size(); i++) {
            runs.get(i).start(new LocalDestination().request(tmp.resolve("r" + i)));
        }
        for (WrapperRun run : runs) {
            assertEquals(0, run.waitFor(240), run.stderr());
            assertTrue(run.state().path("finished").asBoolean());
            assertFalse(run.state().path("failed").asBoolean(), run.state().toString());
            try (var s = Files.list(run.runDir)) {
                assertEquals(List.of("state.json"), s.map(p -> p.getFileName().toString()).toList());
            }
        }
    }

    @Test
    void fourAtOnceOnOneRunDirectoryExactlyOneRuns() throws Exception {
        List<WrapperRun> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // One run directory (tmp/shared/run), each its own scenario file and streams.
            // Long enough that the one running still holds the directory when the last JVM has started.
            WrapperRun run = new WrapperRun(tmp.resolve("shared")).scenario(conversion(15));
            runs.add(run);
        }
        for (WrapperRun run : runs) {
            run.start(new LocalDestination().request(tmp.resolve("shared")));
        }
        int ran = 0;
        int refused = 0;
        for (WrapperRun run : runs) {
            int rc = run.waitFor(240);
            if (rc == 0) {
                ran++;
            } else {
                assertEquals(1, rc, run.stderr());
                assertTrue(run.stderr().contains("in use by another v2v-wrapper"), run.stderr());
                assertEquals(1, run.stderr().lines().count(), run.stderr());
                refused++;
            }
        }
        assertEquals(1, ran, "runs that ran");
        assertEquals(3, refused);
    }
}
