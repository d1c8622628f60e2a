package org.v2vwrapper.torture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.e2e.Scenario;
import org.v2vwrapper.e2e.WrapperRun;
import org.v2vwrapper.ledger.RemoteLedger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17 item 4: killing virt-v2v through the state file's {@code pid} ends the run promptly: {@code finished}
 * within 2 s for local and OpenStack output (the oVirt case: {@code e2e/LedgerLauncherIT}). The bound asserted is
 * a generous 4 s (a busy CI host), not the target; {@code -Dkillv2v.runs=20} repeats each and prints the median
 * and maximum (bench/torture/kill-virt-v2v.sh; figures in docs/reliability.md).
 */
class KillVirtV2vIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RUNS = Integer.getInteger("killv2v.runs", 1);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    @Test
    void killingVirtV2vEndsAnOpenstackRunPromptly() throws Exception {
        try (OpenstackDestination dest = new OpenstackDestination()) {
            List<Long> ms = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                Path dir = tmp.resolve("osp" + i);
                WrapperRun run = dest.prepare(new WrapperRun(dir), i).scenario(dest.longCopy(i, 300));
                run.start(dest.request(dir, i));
                // Killed once the volume is listed: the cleanup then has an OpenStack volume to delete.
                run.awaitState(s -> s.has("pid") && s.path("status").asText().startsWith("Copying"), 60);
                awaitLedgerLists(run, OpenstackDestination.volume(i));
                ms.add(killAndTime(run));
                assertEquals(2, run.waitFor(30), run.stderr());
                assertTrue(run.state().path("failed").asBoolean());
                assertFalse(dest.volumeLeft(i), "the run's volume is left");
                assertFalse(Files.exists(run.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger is left");
            }
            report("openstack", ms);
        }
    }

    @Test
    void killingVirtV2vEndsALocalRunPromptly() throws Exception {
        List<Long> ms = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            Path dir = tmp.resolve("local" + i);
            WrapperRun run = new WrapperRun(dir).scenario(new Scenario().out("[   0.0] Setting up the source")
                    .child().out("[  10.0] Copying disk 1/1").sleep(300).exit(0));
            run.start(new LocalDestination().request(dir));
            run.awaitState(s -> s.has("pid"), 60);
            ms.add(killAndTime(run));
            assertEquals(2, run.waitFor(30), run.stderr());
        }
        report("local", ms);
    }

    private static void awaitLedgerLists(WrapperRun run, String id) throws Exception {
        Path ledger = run.runDir.resolve(RemoteLedger.FILE_NAME);
        for (int w = 0; w < 3000; w++) {
            if (Files.exists(ledger) && Files.readString(ledger).contains(id)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the ledger never listed " + id);
    }

    /** SIGKILL of the state's virt-v2v pid; the milliseconds until the state file says finished (bounded: 4 s). */
    private static long killAndTime(WrapperRun run) throws Exception {
        long pid = run.state().get("pid").asLong();
        long t0 = System.nanoTime();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        long deadline = t0 + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (finished(run.stateFile())) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                // Issue 17: within 2 s; a generous bound for a busy host, not a timing (the figure: the bench).
                assertTrue(ms < 4_000, "finished " + ms + " ms after virt-v2v was killed");
                return ms;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("never finished after virt-v2v was killed");
    }

    private static boolean finished(Path state) {
        try {
            JsonNode s = JSON.readTree(state.toFile());
            return s.path("finished").asBoolean();
        } catch (IOException e) {
            return false; // absent or being replaced: the next read
        }
    }

    private static void report(String what, List<Long> ms) {
        List<Long> sorted = ms.stream().sorted().toList();
        System.out.printf("kill virt-v2v (%s): %d runs, finished after median %d ms, max %d ms (all: %s)%n", what,
                ms.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), ms);
    }
}
