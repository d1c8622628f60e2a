package org.v2vwrapper.output.osp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.output.osp.OspTestSupport.CONVERSION_PROJECT;
import static org.v2vwrapper.output.osp.OspTestSupport.DEST_PROJECT;
import static org.v2vwrapper.output.osp.OspTestSupport.HOST;
import static org.v2vwrapper.output.osp.OspTestSupport.JSON;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.convert.DiskBus;
import org.v2vwrapper.convert.Firmware;
import org.v2vwrapper.convert.GuestCaps;
import org.v2vwrapper.convert.GuestDisk;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.GuestNic;
import org.v2vwrapper.convert.OsFacts;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;
import org.v2vwrapper.precopy.DestinationDisks;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.precopy.TwoPhaseFinish;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;

/** Two-phase to OpenStack against the fake cloud through openstack4j: volumes, image properties, finish, undo. */
class OspTwoPhaseTest {
    static final long UNIT = 1L << 20; // one fake "GiB" of backing file
    static final List<DiskSpec> DISKS = List.of(
            new DiskSpec(0, "[ds] web01/web01.vmdk", 2000, 1),
            new DiskSpec(1, "[ds] web01/web01_1.vmdk", 2001, 3 * OspTwoPhase.GIB + 1));
    static final GuestHardware HW = new GuestHardware("web01", 2L << 30, 4, 2, Firmware.UEFI,
            List.of(new GuestDisk(2000, 1, "[ds] web01/web01.vmdk", DiskBus.SCSI),
                    new GuestDisk(2001, 3 * OspTwoPhase.GIB + 1, "[ds] web01/web01_1.vmdk", DiskBus.SCSI)),
            List.of(new GuestNic(OspTestSupport.MAC, "VM Network")));
    static final OsFacts RHEL = new OsFacts("linux", "rhel", 9, 2, "x86_64", "Red Hat Enterprise Linux 9.2", "",
            "rhel9.2", "");
    static final String OTHERS = "0ther5-v0lume-0000-0000-000000000000";

    @TempDir
    Path tmp;
    FakeOpenStack fake;
    Path byId;
    Cleanup cleanup;
    ConversionState state;
    RunContext ctx;
    OspTwoPhase twoPhase;

    @BeforeEach
    void start() throws Exception {
        fake = OspTestSupport.seededCloud();
        fake.storage(Files.createDirectory(tmp.resolve("storage")), UNIT);
        byId = Files.createDirectory(tmp.resolve("by-id"));
        fake.devDiskById(HOST, byId);
        fake.addVolumeType("f00dtype-0000-4000-8000-000000000001", "ssd");
        fake.addVolume(OTHERS, CONVERSION_PROJECT, "someone-elses", Map.of());
        fake.attach(OTHERS, HOST, "/dev/vdb");
        ObjectNode json = OspTestSupport.requestJson(fake, "web01");
        json.put("osp_volume_type_id", "f00dtype-0000-4000-8000-000000000001");
        var request = OspTestSupport.parse(json);
        state = new ConversionState();
        cleanup = new Cleanup();
        ctx = new RunContext(request, new WrapperSettings(Path.of("/usr/bin/virt-v2v"), tmp.resolve("run"),
                tmp.resolve("log"), tmp.resolve("vddk"), tmp.resolve("ca.pem")), state, cleanup, SecretStore.dryRun(),
                false);
        twoPhase = new OspTwoPhase(request, byId, OspTestSupport.fastTimeouts());
    }

    @AfterEach
    void stop() {
        cleanup.close();
        fake.close();
    }

    private void runFailureUndo() throws Exception {
        for (RunContext.FailureUndo u : ctx.takeFailureUndo()) {
            u.action().run();
        }
    }

    private List<FakeOpenStack.Volume> ours() {
        return java.util.stream.Stream.concat(fake.volumes(CONVERSION_PROJECT).stream(),
                fake.volumes(DEST_PROJECT).stream()).filter(v -> v.name.startsWith("web01_")).toList();
    }

    private List<String> mutatingCalls() {
        return fake.calls().stream().filter(c -> !c.method().equals("GET") && !c.path().contains("auth/tokens"))
                .map(c -> c.method() + " " + c.path().replaceAll("^/(volume/v3|compute/v2.1|network/v2.0)(/[0-9a-z]{32})?", "")
                        .replace(HOST, "HOST").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "ID")).toList();
    }

    private List<PreparedDisk> created() throws Exception {
        DestinationDisks d = twoPhase.disks();
        d.check(ctx);
        return d.create(ctx, DISKS);
    }

    @Test
    void makesTheVolumesAttachesThemAndFindsTheirDevices() throws Exception {
        List<PreparedDisk> made = created();

        List<FakeOpenStack.Volume> vols = ours();
        assertEquals(List.of("web01_Disk1", "web01_Disk2"), vols.stream().map(v -> v.name).toList());
        assertEquals(List.of(1, 4), vols.stream().map(v -> v.size).toList(), "ceil(capacity / GiB)");
        for (int i = 0; i < 2; i++) {
            FakeOpenStack.Volume v = vols.get(i);
            assertEquals("ssd", v.volumeType);
            assertTrue(v.description.startsWith("Converted from VMware on "), v.description);
            assertTrue(v.attachments.containsKey(HOST), "attached to the conversion host");
            assertEquals(Optional.of(v.id), made.get(i).remoteId());
            assertEquals(byId.resolve("virtio-" + v.id.substring(0, 20)), made.get(i).localPath());
            assertEquals(fake.backing(v).toRealPath(), made.get(i).localPath().toRealPath());
            assertEquals(Integer.toString(i), v.metadata.get("virt_v2v_disk_index"));
        }
        assertEquals(List.of("POST /volumes", "POST /servers/HOST/os-volume_attachments", "POST /volumes",
                "POST /servers/HOST/os-volume_attachments"), mutatingCalls());
    }

    @Test
    void theSelectorPicksTheOpenStackClasses() throws Exception {
        var chosen = org.v2vwrapper.output.Targets.twoPhaseFor(ctx.request(), ctx.settings());
        assertTrue(chosen.disks().getClass().getName().startsWith(OspTwoPhase.class.getName() + "$"),
                chosen.disks().getClass().getName());
        assertTrue(chosen.finish().orElseThrow() instanceof OspTwoPhase.Finish);
        var local = OspTestSupport.requestJson(fake, "web01");
        local.remove(List.of("osp_environment", "osp_destination_project_id", "osp_flavor_id", "osp_security_groups_ids",
                "osp_server_id", "network_mappings"));
        local.put("local_output_dir", tmp.toString());
        var localSide = org.v2vwrapper.output.Targets.twoPhaseFor(OspTestSupport.parse(local), ctx.settings());
        assertTrue(localSide.disks() instanceof org.v2vwrapper.output.local.LocalDestinationDisks);
        assertTrue(localSide.finish().orElseThrow() instanceof org.v2vwrapper.output.LocalTwoPhaseFinish);
    }

    @Test
    void aConversionHostThatIsNotActiveIsRefusedBeforeAnythingIsMade() throws Exception {
        fake.server(HOST).orElseThrow().status = "SHUTOFF";
        DestinationDisks d = twoPhase.disks();
        ConversionException e = assertThrows(ConversionException.class, () -> d.check(ctx));
        assertTrue(e.getMessage().contains("osp_server_id " + HOST + " is SHUTOFF"), e.getMessage());
        assertEquals(List.of(), mutatingCalls());
        assertTrue(ctx.takeFailureUndo().isEmpty());
    }

    @Test
    void aFailedAttachRemovesExactlyWhatWasMade() throws Exception {
        fake.failOn("POST", "/os-volume_attachments$", 500, "attach exploded", 1);
        DestinationDisks d = twoPhase.disks();
        d.check(ctx);
        ConversionException e = assertThrows(ConversionException.class, () -> d.create(ctx, DISKS));
        assertTrue(e.getMessage().contains("attaching the volume web01_Disk1"), e.getMessage());
        assertEquals(1, ours().size());
        runFailureUndo();
        assertEquals(List.of(), ours());
        assertTrue(fake.volume(OTHERS).isPresent(), "not ours: kept");
        assertEquals("/dev/vdb", fake.volume(OTHERS).get().attachments.get(HOST));
    }

    private TwoPhaseFinish.Converted converted() {
        return new TwoPhaseFinish.Converted(HW, RHEL, Optional.of(new GuestCaps(GuestCaps.BlockBus.VIRTIO_SCSI,
                GuestCaps.NetModel.VIRTIO_NET, GuestCaps.Machine.Q35, true, true, "x86_64")), true);
    }

    @Test
    void detachesSetsTheImagePropertiesAndMakesTheInstance() throws Exception {
        List<PreparedDisk> made = created();
        List<String> ids = made.stream().map(p -> p.remoteId().orElseThrow()).toList();
        Files.write(made.get(0).localPath(), new byte[] {1, 2, 3});
        fake.clearCalls();

        String vmId = twoPhase.finish().finish(ctx, new PreCopyResult(null, made), converted());

        assertEquals(Optional.of(vmId), state.vmId());
        for (String id : ids) {
            FakeOpenStack.Volume v = fake.volume(id).orElseThrow();
            assertEquals(DEST_PROJECT, v.project, "transferred");
            assertFalse(v.attachments.containsKey(HOST), "detached from the conversion host");
            assertFalse(Files.exists(OspTwoPhase.devicePath(byId, id), LinkOption.NOFOLLOW_LINKS));
        }
        FakeOpenStack.Volume boot = fake.volume(ids.get(0)).orElseThrow();
        assertTrue(boot.bootable);
        assertEquals("scsi", boot.imageMetadata.get("hw_disk_bus"));
        assertEquals("virtio-scsi", boot.imageMetadata.get("hw_scsi_model"));
        assertEquals("virtio", boot.imageMetadata.get("hw_vif_model"));
        assertEquals("linux", boot.imageMetadata.get("os_type"));
        assertEquals("rhel", boot.imageMetadata.get("os_distro"));
        assertEquals("9.2", boot.imageMetadata.get("os_version"));
        assertEquals("q35", boot.imageMetadata.get("hw_machine_type"));
        assertEquals("uefi", boot.imageMetadata.get("hw_firmware_type"));
        assertTrue(fake.volume(ids.get(1)).orElseThrow().imageMetadata.isEmpty(), "only the boot volume, as virt-v2v");

        FakeOpenStack.Server server = fake.server(vmId).orElseThrow();
        assertEquals(DEST_PROJECT, server.project);
        assertEquals("web01", server.name);
        assertEquals(1, fake.ports(DEST_PROJECT).size());
        JsonNode body = JSON.readTree(fake.calls("^POST /compute/v2.1/servers$").get(0).body()).path("server");
        assertEquals(ids.get(0), body.path("block_device_mapping_v2").get(0).path("uuid").asText());
        assertEquals(ids.get(1), body.path("block_device_mapping_v2").get(1).path("uuid").asText());

        List<String> calls = mutatingCalls();
        assertEquals(List.of("DELETE /servers/HOST/os-volume_attachments/ID", "DELETE /servers/HOST/os-volume_attachments/ID",
                "POST /volumes/ID/action", "POST /volumes/ID/action"), calls.subList(0, 4), calls.toString());
        String metadataCall = fake.calls("^POST .*/volumes/[^/]+/action$").get(1).body();
        assertTrue(JSON.readTree(metadataCall).path("os-set_image_metadata").path("metadata").has("hw_disk_bus"),
                metadataCall);
        assertTrue(calls.indexOf("POST /servers") > calls.indexOf("POST /ports"), calls.toString());

        // A later step fails: everything of this run goes.
        runFailureUndo();
        assertEquals(List.of(), ours());
        assertTrue(fake.server(vmId).isEmpty() || "DELETED".equals(fake.server(vmId).get().status));
        assertEquals(List.of(), fake.ports(DEST_PROJECT));
        assertTrue(fake.volume(OTHERS).isPresent());
    }

    @Test
    void aFailedDetachNamesTheStepAndTheUndoRemovesTheVolumes() throws Exception {
        List<PreparedDisk> made = created();
        fake.failOn("DELETE", "/os-volume_attachments/", 500, "detach exploded", 1);
        ConversionException e = assertThrows(ConversionException.class,
                () -> twoPhase.finish().finish(ctx, new PreCopyResult(null, made), converted()));
        assertTrue(e.getMessage().startsWith("detaching the volumes: "), e.getMessage());
        assertEquals(Optional.empty(), state.vmId());
        runFailureUndo();
        assertEquals(List.of(), ours());
        assertEquals("/dev/vdb", fake.volume(OTHERS).orElseThrow().attachments.get(HOST));
    }

    @Test
    void aFailedInstanceNamesTheStepAndTheUndoRemovesInstancePortsAndVolumes() throws Exception {
        List<PreparedDisk> made = created();
        fake.nextServerFault("No valid host was found.");
        ConversionException e = assertThrows(ConversionException.class,
                () -> twoPhase.finish().finish(ctx, new PreCopyResult(null, made), converted()));
        assertTrue(e.getMessage().startsWith("creating the instance: "), e.getMessage());
        assertTrue(e.getMessage().contains("No valid host"), e.getMessage());
        assertEquals(1, fake.servers(DEST_PROJECT).size());
        runFailureUndo();
        assertTrue(fake.servers(DEST_PROJECT).stream().allMatch(s -> "DELETED".equals(s.status)), "instance removed");
        assertEquals(List.of(), fake.ports(DEST_PROJECT));
        assertEquals(List.of(), ours());
        assertTrue(fake.volume(OTHERS).isPresent());
    }
}
