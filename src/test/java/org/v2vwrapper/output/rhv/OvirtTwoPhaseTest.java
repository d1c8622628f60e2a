package org.v2vwrapper.output.rhv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.precopy.TwoPhaseFinish;
import org.v2vwrapper.request.Allocation;
import org.v2vwrapper.request.OutputFormat;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two-phase to oVirt against the fake engine through the real SDK: the pre-copy disks, the VM after, the undo. */
class OvirtTwoPhaseTest {
    static final TwoPhaseWaits FAST = new TwoPhaseWaits(Duration.ofSeconds(5), Duration.ofSeconds(2),
            Duration.ofSeconds(5), Duration.ofMillis(5), Duration.ofMillis(40));
    static final List<DiskSpec> DISKS = List.of(
            new DiskSpec(0, "[ds] web01/web01.vmdk", 2000, 3L << 20),
            new DiskSpec(1, "[ds] web01/web01_1.vmdk", 2001, 5L << 20));

    @TempDir
    Path tmp;
    FakeOvirtEngine engine;
    OvirtSessions sessions;
    String conversionVm;
    String storageId;
    Path byId;
    Cleanup cleanup;
    RunContext ctx;
    ConversionState state;

    @BeforeEach
    void start() throws Exception {
        engine = FakeOvirtEngine.start();
        sessions = new OvirtSessions(new OvirtConnectionFactory(RhvFixture.FAST), new OvirtEndpoint(engine.url(),
                engine.user(), new Secret(engine.password()), false, TestCa.shared().caPem(), false));
        engine.addCluster("Default");
        storageId = engine.addStorageDomain("data", "nfs");
        engine.addStorageDomain("blocky", "iscsi");
        conversionVm = engine.addVm("conversion-host");
        engine.setVmStatus(conversionVm, "up");
        byId = Files.createDirectory(tmp.resolve("by-id"));
        engine.devDiskById(conversionVm, byId, Files.createDirectory(tmp.resolve("backing")));
        engine.addVnicProfile("ovirtmgmt", "net-mgmt");
        engine.addVnicProfile("dmz-net", "net-dmz");
        // Something of someone else's on the conversion host that no cleanup may touch.
        engine.addDisk("99999999-9999-4999-8999-999999999999", "ok");
        engine.attachDisk(conversionVm, "99999999-9999-4999-8999-999999999999");
        state = new ConversionState();
        cleanup = new Cleanup();
        ctx = new RunContext(RhvFixture.request(engine.url(), engine.password(), n -> { }),
                RhvFixture.settings(tmp, TestCa.shared().caPem()), state, cleanup, SecretStore.dryRun(), false);
        engine.clearCalls();
    }

    @AfterEach
    void stop() {
        cleanup.close();
        engine.close();
    }

    private OvirtPreCopyDisks disks(OutputFormat format, Optional<Allocation> allocation, String storage) {
        return new OvirtPreCopyDisks(sessions, new OvirtPreCopyDisks.Params("web01", storage, "Default", conversionVm,
                format, allocation), byId, FAST);
    }

    private void runFailureUndo() throws Exception {
        for (RunContext.FailureUndo u : ctx.takeFailureUndo()) {
            u.action().run();
        }
    }

    private List<String> mutatingCalls() {
        return engine.apiCalls().stream().filter(c -> !c.method().equals("GET"))
                .map(c -> c.method() + " " + c.path().substring(FakeOvirtEngine.API.length())
                        .replace(conversionVm, "CONV").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "ID")).toList();
    }

    private List<FakeOvirtEngine.Disk> ours() {
        return engine.disks().stream().filter(d -> d.alias().matches("(web01|My_Machine)_Disk\\d+")).toList();
    }

    @Test
    void makesTheDisksAttachesThemAndFindsTheirDevices() throws Exception {
        OvirtPreCopyDisks d = disks(OutputFormat.QCOW2, Optional.empty(), "data");
        d.check(ctx);
        List<PreparedDisk> made = d.create(ctx, DISKS);

        assertEquals(2, made.size());
        List<FakeOvirtEngine.Disk> onEngine = ours();
        assertEquals(List.of("web01_Disk1", "web01_Disk2"), onEngine.stream().map(FakeOvirtEngine.Disk::alias).toList());
        for (int i = 0; i < 2; i++) {
            FakeOvirtEngine.Disk disk = onEngine.get(i);
            assertEquals("cow", disk.format());
            assertTrue(disk.sparse(), "nfs: sparse");
            assertEquals(DISKS.get(i).capacityBytes(), disk.provisionedSize());
            assertEquals(storageId, disk.storageDomainId());
            assertEquals(Optional.of(disk.id()), made.get(i).remoteId());
            assertEquals(byId.resolve("virtio-" + disk.id().substring(0, 20)), made.get(i).localPath());
            assertEquals(DISKS.get(i), made.get(i).spec());
            assertEquals(engine.backing(disk.id()).toRealPath(), made.get(i).localPath().toRealPath());
        }
        List<FakeOvirtEngine.DiskAttachment> attached = engine.attachments(conversionVm).stream()
                .filter(a -> !a.diskId().startsWith("9999")).toList();
        assertEquals(onEngine.stream().map(FakeOvirtEngine.Disk::id).toList(),
                attached.stream().map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertTrue(attached.stream().allMatch(a -> a.iface().equals("virtio") && a.active() && !a.bootable()));
        assertEquals(List.of("POST /disks", "POST /vms/CONV/diskattachments", "POST /disks",
                "POST /vms/CONV/diskattachments"), mutatingCalls());
        String body = engine.posted().stream().filter(p -> p.path().equals("/disks")).findFirst().orElseThrow().body();
        assertTrue(body.contains("<shareable>false</shareable>"), body);
        assertTrue(body.contains("<name>web01_Disk1</name>"), body);
    }

    @Test
    void formatAndAllocationFollowTheRequestAndTheStorageType() throws Exception {
        OvirtPreCopyDisks block = disks(OutputFormat.RAW, Optional.empty(), "blocky");
        block.check(ctx);
        assertEquals(Optional.of(Allocation.PREALLOCATED), block.allocation());
        block.create(ctx, DISKS.subList(0, 1));
        assertEquals("raw", ours().get(0).format());
        assertFalse(ours().get(0).sparse(), "iscsi: preallocated");

        OvirtTwoPhaseTest again = this;
        runFailureUndo();
        OvirtPreCopyDisks asked = again.disks(OutputFormat.RAW, Optional.of(Allocation.SPARSE), "blocky");
        asked.check(ctx);
        asked.create(ctx, DISKS.subList(0, 1));
        assertTrue(ours().get(0).sparse(), "allocation from the request wins");
    }

    @Test
    void aConversionHostThatIsNotUpIsRefusedBeforeAnythingIsMade() throws Exception {
        engine.setVmStatus(conversionVm, "down");
        ConversionException e = assertThrows(ConversionException.class,
                () -> disks(OutputFormat.RAW, Optional.empty(), "data").check(ctx));
        assertTrue(e.getMessage().contains(conversionVm) && e.getMessage().contains("is down")
                && e.getMessage().contains("not up"), e.getMessage());
        assertEquals(List.of(), mutatingCalls());

        ConversionException missing = assertThrows(ConversionException.class, () -> new OvirtPreCopyDisks(sessions,
                new OvirtPreCopyDisks.Params("web01", "data", "Default", "0badc0de-0000-4000-8000-000000000000",
                        OutputFormat.RAW, Optional.empty()), byId, FAST).check(ctx));
        assertTrue(missing.getMessage().contains("conversion_host_uuid 0badc0de-0000-4000-8000-000000000000 is not a VM"),
                missing.getMessage());
        assertEquals(List.of(), mutatingCalls());
        assertTrue(ctx.takeFailureUndo().isEmpty());
    }

    @Test
    void aTakenNameOrAMissingStorageDomainIsRefused() throws Exception {
        engine.addVm("web01");
        assertTrue(assertThrows(ConversionException.class, () -> disks(OutputFormat.RAW, Optional.empty(), "data")
                .check(ctx)).getMessage().contains("a VM named 'web01' already exists"));
        assertTrue(assertThrows(ConversionException.class, () -> new OvirtPreCopyDisks(sessions,
                new OvirtPreCopyDisks.Params("web02", "nope", "Default", conversionVm, OutputFormat.RAW,
                        Optional.empty()), byId, FAST).check(ctx)).getMessage().contains("no storage domain named 'nope'"));
        assertEquals(List.of(), mutatingCalls());
    }

    @Test
    void aFailureHalfWayRemovesExactlyWhatWasMade() throws Exception {
        engine.failAfter("POST", "/vms/[^/]+/diskattachments", 1);
        OvirtPreCopyDisks d = disks(OutputFormat.RAW, Optional.empty(), "data");
        d.check(ctx);
        ConversionException e = assertThrows(ConversionException.class, () -> d.create(ctx, DISKS));
        assertTrue(e.getMessage().startsWith("attaching the disk web01_Disk2 to the conversion host's VM"),
                e.getMessage());
        assertEquals(2, ours().size());
        String first = ours().get(0).id();

        assertEquals(2, ctx.ledger().entries().size(), "both disks in the run's ledger");
        assertEquals(conversionVm, ctx.ledger().entries().get(0).attr(OvirtPreCopyDisks.ATTACHED_TO).orElseThrow());
        runFailureUndo();
        assertEquals(List.of(), ours());
        assertEquals(List.of(), ctx.ledger().entries(), "removed disks leave the ledger");
        assertTrue(engine.hasDisk("99999999-9999-4999-8999-999999999999"), "not ours: kept");
        assertEquals(List.of("99999999-9999-4999-8999-999999999999"),
                engine.attachments(conversionVm).stream().map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertFalse(Files.exists(OvirtPreCopyDisks.devicePath(byId, first), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertNull(engine.backing(first));
        // detached before the delete (the engine refuses to delete a disk attached to a running VM)
        List<String> calls = mutatingCalls();
        assertTrue(calls.indexOf("DELETE /vms/CONV/diskattachments/ID") < calls.lastIndexOf("DELETE /disks/ID"), calls.toString());
    }

    @Test
    void aDeviceThatNeverShowsUpFailsWithItsPath() throws Exception {
        OvirtPreCopyDisks d = new OvirtPreCopyDisks(sessions, new OvirtPreCopyDisks.Params("web01", "data", "Default",
                conversionVm, OutputFormat.RAW, Optional.empty()), tmp.resolve("elsewhere"), FAST);
        d.check(ctx);
        ConversionException e = assertThrows(ConversionException.class, () -> d.create(ctx, DISKS));
        assertTrue(e.getMessage().contains("to appear on this host: no " + tmp.resolve("elsewhere")), e.getMessage());
        runFailureUndo();
        assertEquals(List.of(), ours());
    }

    @Test
    void theSelectorWiresTheRequestAndDevDiskById() throws Exception {
        var request = RhvFixture.request(engine.url(), engine.password(), n -> {
            n.put("conversion_host_uuid", conversionVm);
            n.put("output_format", "qcow2");
        });
        var settings = new org.v2vwrapper.WrapperSettings(Path.of("/usr/bin/virt-v2v"), tmp.resolve("run"),
                tmp.resolve("log"), tmp.resolve("vddk"), TestCa.shared().caPem(), byId);
        var chosen = org.v2vwrapper.output.Targets.twoPhaseFor(request, settings);
        assertTrue(chosen.disks() instanceof OvirtPreCopyDisks);
        assertTrue(chosen.finish().orElseThrow() instanceof OvirtTwoPhaseFinish);
        chosen.disks().check(ctx);
        List<PreparedDisk> made = chosen.disks().create(ctx, DISKS.subList(0, 1));
        assertEquals(byId, made.get(0).localPath().getParent());
        assertEquals("cow", ours().get(0).format());
        assertEquals("My_Machine_Disk1", ours().get(0).alias());
        runFailureUndo();
        assertEquals(List.of(), ours());

        var without = RhvFixture.request(engine.url(), engine.password(), n -> { });
        assertTrue(assertThrows(ConversionException.class, () -> org.v2vwrapper.output.Targets.twoPhaseFor(without,
                settings)).getMessage().contains("conversion_host_uuid"));
    }

    // ----- after the conversion -----

    private List<PreparedDisk> prepared() throws Exception {
        OvirtPreCopyDisks d = disks(OutputFormat.RAW, Optional.empty(), "data");
        d.check(ctx);
        List<PreparedDisk> made = d.create(ctx, DISKS);
        engine.clearCalls();
        return made;
    }

    private OvirtTwoPhaseFinish finisher() {
        return new OvirtTwoPhaseFinish(sessions, conversionVm, "web01", "Default", OvirtVmCreatorTest.MAPPINGS, FAST);
    }

    private TwoPhaseFinish.Converted converted() {
        return new TwoPhaseFinish.Converted(OvirtVmCreatorTest.HW, OvirtVmCreatorTest.WIN7,
                Optional.of(OvirtVmCreatorTest.NO_VIRTIO), false);
    }

    @Test
    void detachesAndMakesTheVm() throws Exception {
        List<PreparedDisk> made = prepared();
        List<String> ids = made.stream().map(p -> p.remoteId().orElseThrow()).toList();
        String vmId = finisher().finish(ctx, new PreCopyResult(null, made), converted());

        assertEquals(Optional.of(vmId), state.vmId());
        assertEquals(List.of(), ctx.ledger().entries(), "the new VM's disks are no longer the run's to remove");
        assertEquals(List.of("99999999-9999-4999-8999-999999999999"),
                engine.attachments(conversionVm).stream().map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertEquals(ids, engine.attachments(vmId).stream().map(FakeOvirtEngine.DiskAttachment::diskId).toList());
        assertTrue(engine.attachments(vmId).get(0).bootable());
        assertEquals("web01", engine.vm(vmId).name());
        assertEquals("Windows7", engine.vmSpec(vmId).osType());
        assertEquals(2, engine.nics(vmId).size());
        assertEquals(List.of("DELETE /vms/CONV/diskattachments/ID", "DELETE /vms/CONV/diskattachments/ID",
                "POST /vms", "POST /vms/ID/nics", "POST /vms/ID/nics", "POST /vms/ID/diskattachments",
                "POST /vms/ID/diskattachments"), mutatingCalls());

        // A later step fails: the VM goes first, then the disks.
        runFailureUndo();
        assertFalse(engine.hasVm(vmId));
        assertEquals(List.of(), ours());
    }

    @Test
    void aFailedDetachNamesTheStepAndTheUndoRemovesTheDisks() throws Exception {
        List<PreparedDisk> made = prepared();
        engine.failNext("DELETE", "/vms/[^/]+/diskattachments/.*");
        ConversionException e = assertThrows(ConversionException.class,
                () -> finisher().finish(ctx, new PreCopyResult(null, made), converted()));
        assertTrue(e.getMessage().startsWith("detaching the disks: "), e.getMessage());
        assertEquals(Optional.empty(), state.vmId());
        runFailureUndo();
        assertEquals(List.of(), ours());
        assertEquals(List.of(conversionVm), engine.vms().stream().map(FakeOvirtEngine.Vm::id).toList(), "no new VM");
    }

    @Test
    void aFailedVmCreationNamesTheStepAndTheUndoRemovesTheDisks() throws Exception {
        List<PreparedDisk> made = prepared();
        engine.failNext("POST", "/vms/[^/]+/nics");
        ConversionException e = assertThrows(ConversionException.class,
                () -> finisher().finish(ctx, new PreCopyResult(null, made), converted()));
        assertTrue(e.getMessage().startsWith("adding the NICs: "), e.getMessage());
        assertTrue(engine.vms().stream().noneMatch(v -> v.name().equals("web01")), "the half-made VM is gone");
        runFailureUndo();
        assertEquals(List.of(), ours());
        assertTrue(engine.hasDisk("99999999-9999-4999-8999-999999999999"));
    }

    @Test
    void afterVirtV2v14xMadeTheVmTheDisksAreDetachedAndTheVmChecked() throws Exception {
        List<PreparedDisk> made = prepared();
        ConversionException noId = assertThrows(ConversionException.class,
                () -> finisher().afterVirtV2vMadeTheVm(ctx, new PreCopyResult(null, made)));
        assertTrue(noId.getMessage().startsWith("checking the VM: virt-v2v finished but its log named no VM id"),
                noId.getMessage());
        assertEquals(List.of("99999999-9999-4999-8999-999999999999"),
                engine.attachments(conversionVm).stream().map(FakeOvirtEngine.DiskAttachment::diskId).toList(),
                "detached before the check");

        String byVirtV2v = engine.addVm("web01");
        state.setVmId(byVirtV2v);
        finisher().afterVirtV2vMadeTheVm(ctx, new PreCopyResult(null, made));
        state.setVmId("0badc0de-0000-4000-8000-000000000000");
        assertTrue(assertThrows(ConversionException.class,
                () -> finisher().afterVirtV2vMadeTheVm(ctx, new PreCopyResult(null, made))).getMessage()
                .contains("has no VM with the id 0badc0de-0000-4000-8000-000000000000"));
    }
}
