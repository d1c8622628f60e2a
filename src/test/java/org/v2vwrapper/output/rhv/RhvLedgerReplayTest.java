package org.v2vwrapper.output.rhv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.output.LedgerReplay;
import org.v2vwrapper.output.RhvTarget;
import org.v2vwrapper.output.osp.OspTimeouts;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run killed after virt-v2v created disks: its ledger lists them; the next request's replay deletes exactly those. */
class RhvLedgerReplayTest {
    @TempDir
    Path tmp;
    FakeOvirtEngine engine;
    TestCa ca;

    @BeforeEach
    void start() throws Exception {
        ca = TestCa.shared();
        engine = FakeOvirtEngine.start(ca);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    @Test
    void theNextRunDeletesWhatTheDeadRunsLedgerListsAndNothingElse() throws Exception {
        String d1 = "11111111-1111-4111-8111-111111111111";
        String d2 = "22222222-2222-4222-8222-222222222222";
        String other = "33333333-3333-4333-8333-333333333333";
        engine.addDisk(d1, "ok");
        String transfer = engine.addImageTransfer(d1, "transferring");
        engine.addDisk(d2, "ok");
        engine.addDisk(other, "ok");
        engine.setUnlockAfterGets(2);
        engine.addStorageDomain("data", "nfs");
        engine.addCluster("Default");
        ConversionRequest request = RhvFixture.request(engine.url(), engine.password(), n -> { });
        WrapperSettings settings = RhvFixture.settings(tmp, ca.caPem());
        Path runDir = settings.runDir();
        Files.createDirectories(runDir);

        // The dead run: virt-v2v's log named d1 and d2, the target put them in the ledger; then SIGKILL.
        RemoteLedger dead = RemoteLedger.forRun(runDir);
        PlanContext ctx = new PlanContext(request, settings, SecretStore.create(tmp.resolve("secrets")),
                V2vCapabilities.parse("virt-v2v\nmac-option"), new Cleanup(), false, dead);
        ConversionState state = new ConversionState();
        state.facts().addOvirtDiskId(d1);
        state.facts().addOvirtDiskId(d2);
        try (var t = new RhvTarget(new OvirtConnectionFactory(RhvFixture.FAST)).validate(ctx, state)) {
            t.track(state, state.facts());
        }
        String text = Files.readString(runDir.resolve(RemoteLedger.FILE_NAME));
        assertTrue(text.contains(d1) && text.contains(d2), text);
        assertFalse(text.contains(engine.password()), "no secret in the ledger");
        // A disk on another engine, listed too: this request does not reach it, it stays listed.
        dead.record(Kinds.OVIRT_DISK, "rhv:https://elsewhere.example/ovirt-engine/api",
                "44444444-4444-4444-8444-444444444444", Map.of());

        RemoteLedger next = RemoteLedger.forRun(runDir);
        LedgerReplay.Outcome outcome = new LedgerReplay(new OvirtConnectionFactory(RhvFixture.FAST),
                OspTimeouts.defaults()).replay(next, request, settings);

        assertEquals("cancelled_user", engine.imageTransfer(transfer).phase(), "the dead run's transfer cancelled");
        assertFalse(engine.hasDisk(d1));
        assertFalse(engine.hasDisk(d2));
        assertTrue(engine.hasDisk(other), "a disk the ledger does not list is never touched");
        assertEquals(List.of(d1, d2), outcome.removed().stream().map(RemoteLedger.Entry::id).toList());
        assertTrue(outcome.left().isEmpty());
        assertEquals(1, outcome.otherSystems().size());
        assertEquals(List.of("44444444-4444-4444-8444-444444444444"),
                RemoteLedger.load(runDir).values().stream().map(RemoteLedger.Entry::id).toList());
        assertEquals(List.of(), engine.calls("DELETE", FakeOvirtEngine.API + "/disks/" + other));
    }

    @Test
    void whatCannotBeRemovedStaysListed() throws Exception {
        String d1 = "55555555-5555-4555-8555-555555555555";
        engine.addDisk(d1, "ok");
        engine.failNext("DELETE", ".*/disks/" + d1);
        ConversionRequest request = RhvFixture.request(engine.url(), engine.password(), n -> { });
        WrapperSettings settings = RhvFixture.settings(tmp, ca.caPem());
        Files.createDirectories(settings.runDir());
        RemoteLedger dead = RemoteLedger.forRun(settings.runDir());
        dead.record(Kinds.OVIRT_DISK, RhvTarget.ledgerWhere(OvirtEndpoint.of(request.rhv().orElseThrow(),
                false, ca.caPem())), d1, Map.of());
        LedgerReplay.Outcome outcome = new LedgerReplay(new OvirtConnectionFactory(RhvFixture.FAST),
                OspTimeouts.defaults()).replay(RemoteLedger.forRun(settings.runDir()), request, settings);
        assertTrue(engine.hasDisk(d1));
        assertEquals(List.of(d1), outcome.left().stream().map(RemoteLedger.Entry::id).toList());
        assertEquals(1, RemoteLedger.load(settings.runDir()).size());
    }

    /**
     * A run killed between rhv-upload's creation of a disk and its id reaching the ledger: the intent written before
     * virt-v2v started names what it would create; the next run finds and removes exactly those disks, and none of
     * the look-alikes (same name pattern but there before the run, attached to a VM, on another domain, written by
     * a live transfer, not made by rhv-upload, another name).
     */
    @Test
    void aDeadRunsUploadIntentRemovesTheDisksNoLogNamedAndNoLookAlike() throws Exception {
        String data = engine.addStorageDomain("data", "nfs");
        String data2 = engine.addStorageDomain("data2", "nfs");
        engine.addCluster("Default");
        String before = engine.addUploadedDisk("a0000000-0000-4000-8000-000000000000", "My_Machine-000", data, "ok");
        ConversionRequest request = RhvFixture.request(engine.url(), engine.password(), n -> { });
        WrapperSettings settings = RhvFixture.settings(tmp, ca.caPem());
        Path runDir = settings.runDir();
        Files.createDirectories(runDir);

        RemoteLedger dead = RemoteLedger.forRun(runDir);
        PlanContext ctx = new PlanContext(request, settings, SecretStore.create(tmp.resolve("secrets")),
                V2vCapabilities.parse("virt-v2v\nmac-option"), new Cleanup(), false, dead);
        try (var t = new RhvTarget(new OvirtConnectionFactory(RhvFixture.FAST)).validate(ctx, new ConversionState())) {
            t.outputArguments(); // the command is built: virt-v2v starts next
        }
        RemoteLedger.Entry intent = RemoteLedger.load(runDir).values().stream()
                .filter(e -> e.kind().equals(Kinds.OVIRT_UPLOAD_DISKS)).findFirst().orElseThrow();
        assertEquals(java.util.Optional.of(before), intent.attr("disks_before"), "what existed is never the run's");

        // What virt-v2v made before the SIGKILL, its ids in no log line the wrapper read.
        String ours0 = engine.addUploadedDisk("b0000000-0000-4000-8000-000000000000", "My_Machine-000", data, "ok");
        String ours1 = engine.addUploadedDisk("b1111111-0000-4000-8000-000000000000", "My_Machine-001", data, "ok");
        String orphan = engine.addImageTransfer(ours1, "transferring", false); // its client died with virt-v2v
        // Look-alikes.
        String attached = engine.addUploadedDisk("c2222222-0000-4000-8000-000000000000", "My_Machine-002", data, "ok");
        engine.attachDisk(engine.addVm("My_Machine"), attached);
        String elsewhere = engine.addUploadedDisk("c3333333-0000-4000-8000-000000000000", "My_Machine-003", data2,
                "ok");
        String live = engine.addUploadedDisk("c4444444-0000-4000-8000-000000000000", "My_Machine-004", data, "ok");
        engine.addImageTransfer(live, "transferring", true);
        String userDisk = engine.addDisk("c5555555-0000-4000-8000-000000000000", "My_Machine-005", "database",
                data, "ok");
        String otherName = engine.addUploadedDisk("c6666666-0000-4000-8000-000000000000", "My_Machine-0001", data,
                "ok");

        LedgerReplay.Outcome outcome = new LedgerReplay(new OvirtConnectionFactory(RhvFixture.FAST),
                OspTimeouts.defaults()).replay(RemoteLedger.forRun(runDir), request, settings);

        assertFalse(engine.hasDisk(ours0), "made by the dead run, unlisted: removed");
        assertFalse(engine.hasDisk(ours1), "made by the dead run, its transfer orphaned: removed");
        assertEquals("cancelled_user", engine.imageTransfer(orphan).phase());
        for (String kept : List.of(before, attached, elsewhere, live, userDisk, otherName)) {
            assertTrue(engine.hasDisk(kept), kept + " is not the dead run's");
            assertEquals(List.of(), engine.calls("DELETE", FakeOvirtEngine.API + "/disks/" + kept));
        }
        assertEquals(List.of(intent.key()), outcome.removed().stream().map(RemoteLedger.Entry::key).toList());
        assertTrue(outcome.complete());
        assertTrue(RemoteLedger.load(runDir).isEmpty(), "the intent is done");
    }

    @Test
    void anIntentTheEngineCannotAnswerForStaysListed() throws Exception {
        String data = engine.addStorageDomain("data", "nfs");
        engine.addCluster("Default");
        ConversionRequest request = RhvFixture.request(engine.url(), engine.password(), n -> { });
        WrapperSettings settings = RhvFixture.settings(tmp, ca.caPem());
        Files.createDirectories(settings.runDir());
        RemoteLedger dead = RemoteLedger.forRun(settings.runDir());
        String where = RhvTarget.ledgerWhere(OvirtEndpoint.of(request.rhv().orElseThrow(), false, ca.caPem()));
        dead.intend(Kinds.OVIRT_UPLOAD_DISKS, where, new OvirtUploadIntent.Identity("My_Machine", data,
                java.util.Set.of()).attrs());
        String ours = engine.addUploadedDisk("d0000000-0000-4000-8000-000000000000", "My_Machine-000", data, "ok");
        engine.failNext("GET", "/disks");

        LedgerReplay.Outcome outcome = new LedgerReplay(new OvirtConnectionFactory(RhvFixture.FAST),
                OspTimeouts.defaults()).replay(RemoteLedger.forRun(settings.runDir()), request, settings);
        assertTrue(engine.hasDisk(ours));
        assertEquals(1, outcome.left().size(), "listed for the next try");

        outcome = new LedgerReplay(new OvirtConnectionFactory(RhvFixture.FAST), OspTimeouts.defaults())
                .replay(RemoteLedger.forRun(settings.runDir()), request, settings);
        assertFalse(engine.hasDisk(ours));
        assertTrue(outcome.complete());
        assertTrue(RemoteLedger.load(settings.runDir()).isEmpty());
    }

    /** A run's context on the fake engine, with a data domain ({@code data}: its id) and the run's own ledger. */
    private record EngineRun(String data, WrapperSettings settings, RemoteLedger ledger, PlanContext ctx) {
    }

    private EngineRun engineRun() throws Exception {
        String data = engine.addStorageDomain("data", "nfs");
        engine.addCluster("Default");
        ConversionRequest request = RhvFixture.request(engine.url(), engine.password(), n -> { });
        WrapperSettings settings = RhvFixture.settings(tmp, ca.caPem());
        Files.createDirectories(settings.runDir());
        RemoteLedger ledger = RemoteLedger.forRun(settings.runDir());
        PlanContext ctx = new PlanContext(request, settings, SecretStore.create(tmp.resolve("secrets")),
                V2vCapabilities.parse("virt-v2v\nmac-option"), new Cleanup(), false, ledger);
        return new EngineRun(data, settings, ledger, ctx);
    }

    /** The run itself: after a failure it removes what no log line named, and its intent is done. */
    @Test
    void aFailedRunRemovesItsUnnamedUploadsAndItsIntent() throws Exception {
        EngineRun run = engineRun();
        String data = run.data();
        RemoteLedger ledger = run.ledger();
        PlanContext ctx = run.ctx();
        ConversionState state = new ConversionState();
        String named = "e0000000-0000-4000-8000-000000000000";
        String unnamed = "e1111111-0000-4000-8000-000000000000";
        try (var t = new RhvTarget(new OvirtConnectionFactory(RhvFixture.FAST)).validate(ctx, state)) {
            t.outputArguments();
            assertEquals(1, ledger.entries().size(), "the intent");
            engine.addUploadedDisk(named, "My_Machine-000", data, "ok");
            engine.addUploadedDisk(unnamed, "My_Machine-001", data, "ok");
            state.facts().addOvirtDiskId(named); // virt-v2v was KILLed before it logged the second
            t.cleanupAfterFailure(state, state.facts());
        }
        assertFalse(engine.hasDisk(named));
        assertFalse(engine.hasDisk(unnamed));
        assertTrue(ledger.isEmpty(), "nothing left to replay: " + ledger.entries());
    }

    /** A run that finished: its disks are the VM's, the intent is forgotten with them, nothing is looked up. */
    @Test
    void aFinishedRunForgetsItsIntent() throws Exception {
        EngineRun run = engineRun();
        String data = run.data();
        RemoteLedger ledger = run.ledger();
        PlanContext ctx = run.ctx();
        WrapperSettings settings = run.settings();
        ConversionState state = new ConversionState();
        try (var t = new RhvTarget(new OvirtConnectionFactory(RhvFixture.FAST)).validate(ctx, state)) {
            t.outputArguments();
            String disk = engine.addUploadedDisk("f0000000-0000-4000-8000-000000000000", "My_Machine-000", data, "ok");
            String vm = engine.addVm("My_Machine");
            engine.attachDisk(vm, disk);
            state.facts().addOvirtDiskId(disk);
            t.track(state, state.facts());
            state.setVmId(vm);
            t.finish(state, state.facts());
            assertTrue(engine.hasDisk(disk));
        }
        assertTrue(ledger.isEmpty(), "nothing left to replay: " + ledger.entries());
        assertTrue(Files.notExists(settings.runDir().resolve(RemoteLedger.FILE_NAME)));
    }
}
