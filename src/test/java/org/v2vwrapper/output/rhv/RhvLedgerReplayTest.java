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
}
