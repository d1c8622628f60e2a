package org.v2vwrapper.output.osp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.output.LedgerReplay;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;
import org.v2vwrapper.output.osp.fake.Osp2OspLayout;
import org.v2vwrapper.output.rhv.OvirtConnectionFactory;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.OspSourceEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.SRC;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.CONV;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.VM;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.SRC_HOST;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.DST_HOST;
import static org.v2vwrapper.output.osp.fake.Osp2OspLayout.ROOT;

/**
 * An OpenStack→OpenStack run SIGKILLed after the root copy, the data volume's detachment and the attachments to the
 * source conversion host: its ledger lists each source-side object, and the next request's replay puts the source
 * cloud back as it was before that run (and touches nothing the ledger does not list).
 */
class OspSourceLedgerReplayTest {
    static final String DATA = "55555555-aaaa-4bbb-8ccc-000000000001";
    static final String OTHER = "77777777-aaaa-4bbb-8ccc-000000000001";
    static final String SRC_PW = "Src-Pa55word!";
    static final String DST_PW = "Dst-Pa55word!";

    @TempDir
    Path tmp;
    FakeOpenStack fake;
    Osp2OspLayout layout;
    Path runDir;

    @BeforeEach
    void seed() throws Exception {
        fake = FakeOpenStack.start();
        layout = Osp2OspLayout.seed(fake, SRC_PW, DST_PW, "127.0.0.2");
        fake.storage(Files.createDirectory(tmp.resolve("storage")), 1 << 16);
        fake.addServer(VM, SRC, "web").stopPolls = 0;
        fake.addVolume(ROOT, SRC, "web-root", Map.of()).bootable = true;
        fake.addVolume(DATA, SRC, "web-data", Map.of());
        fake.addVolume(OTHER, SRC, "someone-else", Map.of());
        fake.attach(ROOT, VM, "/dev/vda");
        fake.attach(DATA, VM, "/dev/vdb");
        runDir = Files.createDirectories(tmp.resolve("run"));
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void theNextRunPutsTheSourceCloudBack() throws Exception {
        ConversionRequest request = request("source");
        // The dead run, as far as the source cloud is concerned: the root snapshot and copy, the data volume taken
        // off the VM, both attached to the source conversion host; then SIGKILL (no restoreSource).
        RemoteLedger dead = RemoteLedger.forRun(runDir);
        OspMigration m = new OspMigration(request, places(), OspTestSupport.fastTimeouts(), new Cleanup())
                .persistTo(dead);
        m.validate();
        m.shutDown(Duration.ofSeconds(5));
        m.listVolumes();
        m.copyRoot();
        m.detachDataVolumes();
        m.createDestinationVolumes();
        assertEquals(2, fake.volumes(CONV).size(), "the destination volumes are made");
        String copy = fake.volumes(SRC).stream().filter(v -> v.name.startsWith(OspMigration.SNAPSHOT_PREFIX))
                .findFirst().orElseThrow().id;
        // attachToSourceHost needs the conversion host's ssh: its two ledger records and attachments as it makes them.
        SourceLedger attachments = new SourceLedger(dead, SourceLedger.where(request.ospSource().orElseThrow()));
        attachments.attaching(copy, SRC_HOST);
        fake.attach(copy, SRC_HOST, "/dev/vdb");
        attachments.attaching(DATA, SRC_HOST);
        fake.attach(DATA, SRC_HOST, "/dev/vdc");
        m.close();

        String snapshot = fake.snapshots(SRC).get(0).id;
        String text = Files.readString(runDir.resolve(RemoteLedger.FILE_NAME));
        assertFalse(text.contains(SRC_PW) || text.contains(DST_PW), "no secret in the ledger");
        RemoteLedger listed = RemoteLedger.forRun(runDir);
        assertTrue(listed.find(Kinds.OSP_SNAPSHOT, snapshot).isPresent(), text);
        assertTrue(listed.find(Kinds.OSP_VOLUME, copy).isPresent(), text);
        assertTrue(listed.find(Kinds.OSP_ATTACHMENT, copy).isPresent(), text);
        assertTrue(listed.find(Kinds.OSP_ATTACHMENT, DATA).isPresent(), text);
        assertEquals("/dev/vdb", listed.find(Kinds.OSP_DETACHED_VOLUME, DATA).orElseThrow()
                .attr(SourceLedger.DEVICE).orElseThrow());
        String where = SourceLedger.where(request.ospSource().orElseThrow());
        assertNotEquals(OspConversion.ledgerWhere(request.osp().orElseThrow(), false), where,
                "the source cloud is named apart from the destination (here the same Keystone)");
        String destination = OspConversion.ledgerWhere(request.osp().orElseThrow(), false);
        assertTrue(listed.entries().stream().allMatch(e -> e.where().equals(where)
                || e.where().equals(destination) && e.kind().startsWith("osp-")), text);
        for (FakeOpenStack.Volume v : fake.volumes(CONV)) {
            assertTrue(listed.find(Kinds.OSP_VOLUME, v.id).orElseThrow().where().equals(destination), text);
        }

        LedgerReplay.Outcome outcome = replay(request);

        assertTrue(outcome.complete(), outcome.toString());
        assertEquals(List.of(), outcome.otherSystems());
        assertFalse(Files.exists(runDir.resolve(RemoteLedger.FILE_NAME)), "nothing left listed: no ledger file");
        assertEquals(List.of(), fake.snapshots(SRC).stream().map(s -> s.id).toList(), "the snapshot is deleted");
        assertTrue(fake.volume(copy).isEmpty(), "the root copy is deleted");
        assertEquals(Map.of(VM, "/dev/vda"), fake.volume(ROOT).orElseThrow().attachments);
        assertEquals(VM, fake.volume(DATA).orElseThrow().attachments.keySet().stream().findFirst().orElseThrow(),
                "the data volume is back on the VM");
        assertEquals(1, fake.volume(DATA).orElseThrow().attachments.size(), "and only there");
        assertTrue(fake.volume(OTHER).isPresent(), "nothing else touched");
        assertEquals(3, fake.volumes(SRC).size());
        assertEquals(List.of(), fake.volumes(CONV).stream().filter(v -> !"deleting".equals(v.status))
                .map(v -> v.id).toList(), "the destination volumes are deleted");
    }

    @Test
    void anImageBootedRunsImageAndCopyAreDeleted() throws Exception {
        FakeOpenStack.Server vm = fake.server(VM).orElseThrow();
        vm.image = "img-base";
        vm.rootDiskGib = 1;
        vm.rootDisk = Files.write(tmp.resolve("app-root"), new byte[4096]);
        ConversionRequest request = request("source");
        RemoteLedger dead = RemoteLedger.forRun(runDir);
        OspMigration m = new OspMigration(request, places(), OspTestSupport.fastTimeouts(), new Cleanup())
                .persistTo(dead);
        m.validate();
        m.shutDown(Duration.ofSeconds(5));
        m.listVolumes();
        m.copyRoot();
        m.close();
        String image = fake.images(SRC).stream().filter(i -> i.name.startsWith(OspMigration.IMAGE_PREFIX))
                .findFirst().orElseThrow().id;
        assertTrue(RemoteLedger.forRun(runDir).find(Kinds.OSP_IMAGE, image).isPresent());

        assertTrue(replay(request).complete());

        assertTrue(fake.image(image).isEmpty() || !"active".equals(fake.image(image).get().status),
                "the image is deleted");
        assertTrue(fake.volumes(SRC).stream().noneMatch(v -> v.name.startsWith(OspMigration.IMAGE_PREFIX)),
                "the root copy is deleted");
        assertEquals(3, fake.volumes(SRC).size());
    }

    @Test
    void neverTheVmsOwnVolumesNorAnythingByName() throws Exception {
        ConversionRequest request = request("source");
        String where = SourceLedger.where(request.ospSource().orElseThrow());
        RemoteLedger dead = RemoteLedger.forRun(runDir);
        SourceLedger l = new SourceLedger(dead, where);
        // A root copy that is the VM's root (a ledger gone wrong): refused. A snapshot intent without id: dropped,
        // although a snapshot of that name exists. A volume detached from the VM, now in use elsewhere: not moved.
        l.made(l.intendRootCopy("rhosp-migration-" + ROOT), ROOT);
        l.intendSnapshot(ROOT, "rhosp-migration-" + ROOT);
        detach(DATA, VM);
        fake.attach(DATA, DST_HOST, "/dev/vdq");
        l.detachingFromVm(DATA, VM, "/dev/vdb");
        String before = fakeSnapshot("rhosp-migration-" + ROOT);

        LedgerReplay.Outcome outcome = replay(request);

        assertTrue(fake.volume(ROOT).isPresent(), "the VM's root is never deleted");
        assertTrue(fake.snapshot(before).isPresent(), "nothing is deleted by name");
        assertEquals(Map.of(DST_HOST, "/dev/vdq"), fake.volume(DATA).orElseThrow().attachments);
        RemoteLedger after = RemoteLedger.forRun(runDir);
        assertTrue(after.find(Kinds.OSP_VOLUME, ROOT).isPresent(), "the refused copy stays listed");
        assertTrue(after.find(Kinds.OSP_DETACHED_VOLUME, DATA).isPresent(), "the volume in use stays listed");
        assertTrue(after.entries().stream().noneMatch(e -> e.kind().equals(Kinds.OSP_SNAPSHOT)), "intent dropped");
        assertEquals(2, outcome.left().size(), outcome.toString());
    }

    @Test
    void anotherSourceProjectIsLeftListedUntouched() throws Exception {
        RemoteLedger dead = RemoteLedger.forRun(runDir);
        SourceLedger l = new SourceLedger(dead, SourceLedger.where(request("source").ospSource().orElseThrow()));
        detach(DATA, VM);
        l.detachingFromVm(DATA, VM, "/dev/vdb");
        ObjectNode json = requestJson("source");
        ((ObjectNode) json.get("osp_source_environment")).put("project_name", "elsewhere");

        LedgerReplay.Outcome outcome = replay(OspTestSupport.parse(json));

        assertEquals(1, outcome.otherSystems().size(), outcome.toString());
        assertTrue(fake.volume(DATA).orElseThrow().attachments.isEmpty(), "not re-attached with other credentials");
        assertTrue(RemoteLedger.forRun(runDir).find(Kinds.OSP_DETACHED_VOLUME, DATA).isPresent());
    }

    /** As the dead run's detach left it (the fake's state is guarded by the fake itself). */
    private void detach(String volumeId, String serverId) {
        synchronized (fake) {
            FakeOpenStack.Volume v = fake.volume(volumeId).orElseThrow();
            v.attachments.remove(serverId);
            v.status = v.attachments.isEmpty() ? "available" : "in-use";
        }
    }

    private String fakeSnapshot(String name) throws Exception {
        OspSourceEnvironment src = request("source").ospSource().orElseThrow();
        try (SourceCloud c = new SourceCloud(OspClients.session("the source cloud", SourceCloud.credentials(src),
                OspTestSupport.fastTimeouts()), OspTestSupport.fastTimeouts(), Duration.ofMillis(10))) {
            return c.snapshot(ROOT, name).getId();
        }
    }

    private LedgerReplay.Outcome replay(ConversionRequest request) throws Exception {
        WrapperSettings settings = new WrapperSettings(Path.of("/usr/bin/virt-v2v"), runDir, tmp.resolve("log"),
                tmp.resolve("vddk"), tmp.resolve("ca.pem"));
        return new LedgerReplay(new OvirtConnectionFactory(), OspTestSupport.fastTimeouts())
                .replay(RemoteLedger.forRun(runDir), request, settings);
    }

    private OspMigration.Places places() throws Exception {
        return new OspMigration.Places(tmp.resolve("dst-by-id"), tmp.resolve("src-by-id").toString(),
                Files.createDirectories(tmp.resolve("locks")), tmp.resolve("log"), runDir,
                OspMigration.Export.NBDKIT, "unused", Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private ConversionRequest request(String sourceProject) throws Exception {
        return OspTestSupport.parse(requestJson(sourceProject));
    }

    private ObjectNode requestJson(String sourceProject) {
        return layout.request(VM, "web-migrated", sourceProject,
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
    }
}
