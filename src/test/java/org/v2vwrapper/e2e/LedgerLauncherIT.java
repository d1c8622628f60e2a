package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17 items 2–4 through the launcher with the fake engine: the run's ledger of remote objects survives a
 * SIGKILL and the next run deletes exactly what it lists; no process of a SIGKILLed run survives it; killing
 * virt-v2v's pid ends the run promptly; SIGTERM writes "Cleaning up" at once, bounds the remote cleanup and
 * names what is left and how to finish it.
 */
class LedgerLauncherIT {
    static final String DISK_1 = "aaaaaaaa-1111-4000-8000-000000000001";
    static final String DISK_2 = "aaaaaaaa-1111-4000-8000-000000000002";
    static final String OTHER = "aaaaaaaa-1111-4000-8000-000000000003";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    FakeOvirtEngine engine;

    @BeforeEach
    void engine() throws Exception {
        engine = FakeOvirtEngine.start(TestCa.shared());
        engine.addCluster("Default");
        engine.addStorageDomain("data", "nfs");
        engine.setUnlockAfterGets(2);
        engine.addDisk(DISK_1, "ok");
        engine.addDisk(DISK_2, "ok");
        engine.addDisk(OTHER, "ok");
    }

    @AfterEach
    void close() {
        engine.close();
    }

    String request() {
        return """
                {"vm_name": "win7", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1", "vmware_password": "vmware-S3cret",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "rhv_url": "%s", "rhv_password": "%s", "rhv_cluster": "Default", "rhv_storage": "data"}
                """.formatted(engine.url(), engine.password());
    }

    /** virt-v2v -o rhv-upload made the disks (their ids in its log), started a child (nbdkit), and goes on. */
    static Scenario uploading(double seconds, String... disks) {
        Scenario s = new Scenario().out("[   0.0] Setting up the source: -i libvirt -ic esx://root@esxi.example.com win7")
                .child();
        for (int i = 0; i < disks.length; i++) {
            s.out("[  10.%d] Copying disk %d/%d".formatted(i, i + 1, disks.length))
                    .err("disk.id = '" + disks[i] + "'").errCr(Scenario.progressBar(10));
        }
        return s.sleep(seconds).exit(0);
    }

    WrapperRun run(Path dir) throws Exception {
        return new WrapperRun(dir).arg("--ca-bundle=" + TestCa.shared().caPem());
    }

    static void awaitLedgerListing(WrapperRun run, String... ids) throws Exception {
        Path ledger = run.runDir.resolve(RemoteLedger.FILE_NAME);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(ledger)) {
                String text = Files.readString(ledger);
                if (java.util.Arrays.stream(ids).allMatch(text::contains)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the ledger never listed " + List.of(ids));
    }

    static List<Long> processesOf(WrapperRun run, long v2vPid) throws Exception {
        List<Long> pids = new ArrayList<>(List.of(v2vPid));
        if (Files.exists(run.children)) {
            for (String line : Files.readAllLines(run.children)) {
                pids.add(Long.parseLong(line.strip()));
            }
        }
        return pids;
    }

    static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    static void assertAllGone(List<Long> pids) throws InterruptedException {
        for (long p : pids) {
            for (int i = 0; i < 150 && running(p); i++) {
                Thread.sleep(20);
            }
            assertFalse(running(p), "process " + p + " of the killed run survived");
        }
    }

    @Test
    void aSigkilledRunsDisksAreDeletedByTheNextRunAndNoProcessOfItSurvives() throws Exception {
        WrapperRun killed = run(tmp.resolve("a")).scenario(uploading(300, DISK_1, DISK_2));
        killed.start(request());
        long v2vPid = killed.awaitState(s -> s.has("pid"), 60).get("pid").asLong();
        awaitLedgerListing(killed, DISK_1, DISK_2);
        String ledgerText = Files.readString(killed.runDir.resolve(RemoteLedger.FILE_NAME));
        assertFalse(ledgerText.contains(engine.password()), "a secret in the ledger");
        List<Long> pids = processesOf(killed, v2vPid);
        assertTrue(pids.size() >= 2, "the fake virt-v2v started no child: " + pids);
        killed.process().destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        killed.process().waitFor();
        // virt-v2v gets its parent-death signal from the wrapper (setpriv); its child from virt-v2v.
        assertAllGone(pids);
        assertTrue(engine.hasDisk(DISK_1) && engine.hasDisk(DISK_2), "nothing removed them yet");

        WrapperRun next = run(tmp.resolve("a")).scenario(new Scenario().out("[   0.0] Setting up the source").exit(3));
        next.start(request());
        assertEquals(2, next.waitFor(120), next.stderr());
        assertFalse(engine.hasDisk(DISK_1), "the dead run's disk 1 is still on the engine");
        assertFalse(engine.hasDisk(DISK_2), "the dead run's disk 2 is still on the engine");
        assertTrue(engine.hasDisk(OTHER), "a disk no ledger listed was touched");
        assertFalse(Files.exists(next.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger still lists something");
        try (var s = Files.list(next.runDir)) {
            assertEquals(List.of("state.json"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void killingVirtV2vEndsAnOvirtRunPromptly() throws Exception {
        String transfer = engine.addImageTransfer(DISK_1, "transferring");
        WrapperRun run = run(tmp.resolve("b")).scenario(uploading(300, DISK_1));
        run.start(request());
        long v2vPid = run.awaitState(s -> s.has("pid"), 60).get("pid").asLong();
        awaitLedgerListing(run, DISK_1);
        long t0 = System.nanoTime();
        ProcessHandle.of(v2vPid).orElseThrow().destroyForcibly();
        JsonNode s = run.awaitState(st -> st.path("finished").asBoolean(), 30);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // Issue 17: within 2 s plus the engine's answers (the fake answers at once); generous bound, not a timing.
        assertTrue(ms < 4_000, "finished " + ms + " ms after virt-v2v was killed");
        assertTrue(s.path("failed").asBoolean());
        assertEquals(2, run.waitFor(30));
        assertEquals("cancelled_user", engine.imageTransfer(transfer).phase());
        assertFalse(engine.hasDisk(DISK_1));
        assertFalse(Files.exists(run.runDir.resolve(RemoteLedger.FILE_NAME)));
    }

    @Test
    void killingVirtV2vEndsALocalRunPromptly() throws Exception {
        WrapperRun run = new WrapperRun(tmp.resolve("d")).scenario(new Scenario()
                .out("[   0.0] Setting up the source").child().out("[  10.0] Copying disk 1/1").sleep(300).exit(0));
        run.start("{\"vm_name\": \"win7\", \"transport_method\": \"vddk\","
                + " \"vmware_uri\": \"esx://root@esxi.example.com?no_verify=1\", \"vmware_password\": \"vmware-S3cret\","
                + " \"vmware_fingerprint\": \"1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C\","
                + " \"local_output_dir\": \"" + tmp.resolve("d/out") + "\"}");
        long v2vPid = run.awaitState(s -> s.has("pid"), 60).get("pid").asLong();
        long t0 = System.nanoTime();
        ProcessHandle.of(v2vPid).orElseThrow().destroyForcibly();
        run.awaitState(st -> st.path("finished").asBoolean(), 30);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // Issue 17: within 2 s for local output; a generous bound, not a timing.
        assertTrue(ms < 4_000, "finished " + ms + " ms after virt-v2v was killed");
        assertEquals(2, run.waitFor(30));
        assertAllGone(processesOf(run, v2vPid));
    }

    @Test
    void sigtermBoundsTheCleanupAndLeavesTheRestInTheLedgerWithHowToFinish() throws Exception {
        WrapperRun run = run(tmp.resolve("c")).env("V2V_WRAPPER_CLEANUP_TIMEOUT", "3s")
                .scenario(uploading(300, DISK_1));
        run.start(request());
        run.awaitState(s -> s.has("pid"), 60);
        awaitLedgerListing(run, DISK_1);
        engine.setApiDelay(Duration.ofSeconds(30)); // an engine that no longer answers in time
        long t0 = System.nanoTime();
        run.process().destroy(); // SIGTERM
        run.awaitState(s -> "Cleaning up".equals(s.path("status").asText()) || s.path("finished").asBoolean(), 10);
        long cleaningMs = (System.nanoTime() - t0) / 1_000_000;
        // SIGTERM after the conversion started: exit 2, as documented (docs/state-file.md), finished last.
        assertEquals(2, run.waitFor(60), run.stderr());
        long endMs = (System.nanoTime() - t0) / 1_000_000;
        JsonNode s = run.state();
        assertTrue(s.path("finished").asBoolean());
        String message = s.path("last_message").path("message").asText();
        assertTrue(message.contains("virt-v2v-wrapper cleanup --run-dir " + run.runDir), message);
        assertTrue(message.contains(DISK_1), message);
        assertTrue(endMs < 25_000, "the wind-down took " + endMs + " ms (Cleaning up after " + cleaningMs + " ms)");
        assertTrue(Files.readString(run.runDir.resolve(RemoteLedger.FILE_NAME)).contains(DISK_1));
        assertTrue(engine.hasDisk(DISK_1));

        // The admin finishes it with the same request.
        engine.setApiDelay(Duration.ZERO);
        Path request = tmp.resolve("c/request.json");
        Files.writeString(request, request());
        Process p = new ProcessBuilder(ProjectPaths.launcher().toString(), "cleanup", "--run-dir=" + run.runDir,
                "--input=" + request, "--ca-bundle=" + TestCa.shared().caPem())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("c/cleanup.out").toFile()).start();
        assertEquals(0, p.waitFor(), Files.readString(tmp.resolve("c/cleanup.out")));
        String out = Files.readString(tmp.resolve("c/cleanup.out"));
        assertTrue(out.contains("removed remotely: ") && out.contains("ovirt-disk " + DISK_1), out);
        // The run's upload intent too: nothing of it is left on the engine.
        assertTrue(out.contains("ovirt-upload-disks (not created yet or id unknown: {"), out);
        assertFalse(Files.exists(run.runDir.resolve(RemoteLedger.FILE_NAME)));
        assertFalse(engine.hasDisk(DISK_1));
        assertTrue(engine.hasDisk(OTHER));
    }
}
