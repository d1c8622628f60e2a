package org.v2vwrapper.output.osp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.output.osp.OspTestSupport.CONVERSION_PROJECT;
import static org.v2vwrapper.output.osp.OspTestSupport.DEST_PROJECT;
import static org.v2vwrapper.output.osp.OspTestSupport.FLAVOR;
import static org.v2vwrapper.output.osp.OspTestSupport.HOST;
import static org.v2vwrapper.output.osp.OspTestSupport.JSON;
import static org.v2vwrapper.output.osp.OspTestSupport.MAC;
import static org.v2vwrapper.output.osp.OspTestSupport.PASSWORD;
import static org.v2vwrapper.output.osp.OspTestSupport.SG;
import static org.v2vwrapper.output.osp.OspTestSupport.SUBNET;
import static org.v2vwrapper.output.osp.OspTestSupport.context;
import static org.v2vwrapper.output.osp.OspTestSupport.fastTimeouts;
import static org.v2vwrapper.output.osp.OspTestSupport.parse;
import static org.v2vwrapper.output.osp.OspTestSupport.requestJson;
import static org.v2vwrapper.output.osp.OspTestSupport.v2vMetadata;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.output.OpenstackTarget;
import org.v2vwrapper.output.TargetDriver;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.state.ConversionState;

class OpenstackTargetTest {
    private static final String GUEST = "7d0c3b0e-1f2a-4b5c-8d9e-0f1a2b3c4d5e";
    private static final String VOL1 = "11111111-1111-1111-1111-111111111111";
    private static final String VOL2 = "22222222-2222-2222-2222-222222222222";

    @TempDir
    Path tmp;

    private FakeOpenStack fake;
    private TargetDriver target;

    @BeforeEach
    void setUp() throws Exception {
        fake = OspTestSupport.seededCloud();
        target = new TargetDriver(new OpenstackTarget(fastTimeouts()));
    }

    @AfterEach
    void tearDown() {
        target.close();
        fake.close();
    }

    private PlanContext ctx(ObjectNode json) throws Exception {
        json.put("osp_guest_id", GUEST);
        return context(parse(json), tmp);
    }

    /** What virt-v2v leaves behind: two volumes in the conversion host's project, named in the log. */
    private ConversionState afterVirtV2v() {
        fake.addVolume(VOL1, CONVERSION_PROJECT, "vm-1-sda", v2vMetadata(GUEST, 0));
        fake.addVolume(VOL2, CONVERSION_PROJECT, "vm-1-sdb", v2vMetadata(GUEST, 1));
        ConversionState state = new ConversionState();
        state.facts().putOspVolumeId(2, VOL2);
        state.facts().putOspVolumeId(1, VOL1);
        return state;
    }

    @Test
    void outputArgumentsAndEnvironment() throws Exception {
        ObjectNode json = requestJson(fake, "vm-1");
        json.put("insecure_connection", true);
        json.put("osp_volume_type_id", "ceph");
        PlanContext ctx = ctx(json);
        assertEquals(List.of("-o", "openstack", "-oo", "server-id=" + HOST, "-oo", "guest-id=" + GUEST,
                "-os", "ceph", "-oo", "verify-server-certificate=false"), target.outputArguments(ctx));
        Map<String, String> env = target.environment(ctx);
        assertEquals(PASSWORD, env.get("OS_PASSWORD"));
        assertEquals(fake.authUrl(), env.get("OS_AUTH_URL"));
        assertEquals("migrator", env.get("OS_USERNAME"));
        assertFalse(String.join(" ", target.outputArguments(ctx)).contains(PASSWORD));
        assertTrue(fake.calls().isEmpty(), "building the command touches nothing remote");
    }

    @Test
    void generatedGuestIdIsStable() throws Exception {
        PlanContext ctx = context(parse(requestJson(fake, "vm-1")), tmp);
        List<String> a = target.outputArguments(ctx);
        List<String> b = target.outputArguments(ctx);
        assertEquals(a, b);
        String guest = a.get(5);
        assertTrue(guest.matches("guest-id=[0-9a-f-]{36}"), guest);
    }

    @Test
    void successMovesVolumesAndCreatesTheInstance() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        ConversionState state = new ConversionState();
        target.validate(ctx, state);
        state = afterVirtV2v();
        state.facts().setDisplayName("VM One (display)");
        target.finish(ctx, state);

        // volumes: transferred to the destination, attached to the new server in disk order
        FakeOpenStack.Server server = fake.servers(DEST_PROJECT).get(0);
        assertEquals("VM One (display)", server.name);
        assertEquals(server.id, state.vmId().orElseThrow());
        assertEquals("ACTIVE", server.status);
        assertEquals(FLAVOR, server.flavorId);
        assertEquals(2, server.blockDevices.size());
        assertEquals(VOL1, server.blockDevices.get(0).get("uuid"));
        assertEquals(0, server.blockDevices.get(0).get("boot_index"));
        assertEquals("vda", server.blockDevices.get(0).get("device_name"));
        assertEquals("volume", server.blockDevices.get(0).get("source_type"));
        assertEquals("volume", server.blockDevices.get(0).get("destination_type"));
        assertEquals(VOL2, server.blockDevices.get(1).get("uuid"));
        assertEquals("vdb", server.blockDevices.get(1).get("device_name"));
        assertFalse(server.blockDevices.get(1).containsKey("boot_index"));
        assertEquals(List.of(SG), server.securityGroups);
        for (String v : List.of(VOL1, VOL2)) {
            assertEquals(DEST_PROJECT, fake.volume(v).orElseThrow().project);
            assertEquals("in-use", fake.volume(v).orElseThrow().status);
        }
        assertTrue(fake.transfers().isEmpty());

        // one port with the MAC, the fixed IP and the security group, bound to the server
        List<FakeOpenStack.Port> ports = fake.ports(DEST_PROJECT);
        assertEquals(1, ports.size());
        assertEquals(MAC, ports.get(0).mac);
        assertEquals(Map.of(SUBNET, "10.0.0.42"), ports.get(0).fixedIps);
        assertEquals(List.of(SG), ports.get(0).securityGroups);
        assertEquals(server.id, ports.get(0).deviceId);
        assertEquals(List.of(ports.get(0).id), server.ports);

        // transfers created in the conversion host's project, accepted in the destination project
        List<FakeOpenStack.Call> creates = fake.calls("^POST /volume/v3/[^/]+/os-volume-transfer$");
        assertEquals(2, creates.size());
        creates.forEach(c -> assertEquals(CONVERSION_PROJECT, c.project()));
        List<FakeOpenStack.Call> accepts = fake.calls("^POST .*/os-volume-transfer/[^/]+/accept$");
        assertEquals(2, accepts.size());
        accepts.forEach(c -> assertEquals(DEST_PROJECT, c.project()));
        assertEquals(DEST_PROJECT, fake.calls("^POST /compute/v2.1/servers$").get(0).project());
        assertEquals(DEST_PROJECT, fake.calls("^POST /network/v2.0/ports$").get(0).project());

        JsonNode boot = JSON.readTree(fake.calls("^POST /compute/v2.1/servers$").get(0).body()).path("server");
        assertEquals(ports.get(0).id, boot.path("networks").get(0).path("port").asText());
        assertTrue(boot.path("imageRef").isMissingNode(), "boot from volume: no image");

        fake.calls().forEach(c -> assertFalse(c.body().contains(PASSWORD), c.toString()));
    }

    @Test
    void nameClashRefused() throws Exception {
        fake.addServer("e0000000-0000-0000-0000-000000000001", DEST_PROJECT, "vm-1");
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        ConversionException e = assertThrows(ConversionException.class, () -> target.validate(ctx, new ConversionState()));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(fake.calls("^(POST|DELETE|PUT) /(compute|volume|network)").isEmpty(), "validation changes nothing");
    }

    @Test
    void nameClashIsAnExactMatch() throws Exception {
        fake.addServer("e0000000-0000-0000-0000-000000000002", DEST_PROJECT, "vm-10");
        fake.addServer("e0000000-0000-0000-0000-000000000003", DEST_PROJECT, "xvm-1");
        fake.addServer("e0000000-0000-0000-0000-000000000004", CONVERSION_PROJECT, "vm-1");
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
    }

    @Test
    void nameWithRegexCharactersMatchesItselfOnly() throws Exception {
        fake.addServer("e0000000-0000-0000-0000-000000000005", DEST_PROJECT, "vmX1");
        PlanContext ok = ctx(requestJson(fake, "vm.1"));
        target.validate(ok, new ConversionState());

        fake.addServer("e0000000-0000-0000-0000-000000000006", DEST_PROJECT, "vm (1)+[x]");
        PlanContext clash = ctx(requestJson(fake, "vm (1)+[x]"));
        TargetDriver other = new TargetDriver(new OpenstackTarget(fastTimeouts()));
        try {
            assertThrows(ConversionException.class, () -> other.validate(clash, new ConversionState()));
        } finally {
            other.close();
        }
    }

    @Test
    void missingFlavorRefused() throws Exception {
        ObjectNode json = requestJson(fake, "vm-1");
        json.put("osp_flavor_id", "no-such-flavor");
        PlanContext ctx = ctx(json);
        ConversionException e = assertThrows(ConversionException.class, () -> target.validate(ctx, new ConversionState()));
        assertTrue(e.getMessage().startsWith("osp_flavor_id no-such-flavor"), e.getMessage());
    }

    @Test
    void missingConversionHostSecurityGroupOrNetworkRefused() throws Exception {
        ObjectNode json = requestJson(fake, "vm-1");
        json.put("osp_server_id", "00000000-0000-0000-0000-00000000dead");
        assertValidationFails(json, "osp_server_id");

        json = requestJson(fake, "vm-1");
        json.put("osp_volume_type_id", "no-such-type");
        assertValidationFails(json, "osp_volume_type_id no-such-type");

        fake.addVolumeType("7e2b1c9a-0000-4000-8000-000000000001", "ceph");
        json.put("osp_volume_type_id", "ceph");
        TargetDriver ok = new TargetDriver(new OpenstackTarget(fastTimeouts()));
        try {
            ok.validate(ctx(json), new ConversionState());
        } finally {
            ok.close();
        }

        json = requestJson(fake, "vm-1");
        json.putArray("osp_security_groups_ids").add(SG).add("no-such-group");
        assertValidationFails(json, "security group no-such-group");

        json = requestJson(fake, "vm-1");
        ((ObjectNode) json.get("network_mappings").get(0)).put("destination", "no-such-net");
        assertValidationFails(json, "network_mappings[0].destination");

        json = requestJson(fake, "vm-1");
        ((ObjectNode) json.get("network_mappings").get(0)).put("ip_address", "192.168.1.5");
        assertValidationFails(json, "network_mappings[0].ip_address 192.168.1.5 is in no subnet");
    }

    @Test
    void macAlreadyInUseRefused() throws Exception {
        fake.addPort("f0000000-0000-0000-0000-000000000001", DEST_PROJECT, OspTestSupport.NET, MAC);
        assertValidationFails(requestJson(fake, "vm-1"), "already used by port");
    }

    @Test
    void wrongPasswordRefusedWithoutShowingIt() throws Exception {
        ObjectNode json = requestJson(fake, "vm-1");
        ((ObjectNode) json.get("osp_environment")).put("os-password", "wrong-" + PASSWORD);
        ConversionException e = assertValidationFails(json, "authenticat");
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
    }

    private ConversionException assertValidationFails(ObjectNode json, String expected) throws Exception {
        PlanContext ctx = ctx(json);
        TargetDriver t = new TargetDriver(new OpenstackTarget(fastTimeouts()));
        try {
            ConversionException e = assertThrows(ConversionException.class, () -> t.validate(ctx, new ConversionState()));
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            return e;
        } finally {
            t.close();
        }
    }

    @Test
    void serverFaultFailsWithItsMessageAndCleanupRemovesEverything() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        fake.nextServerFault("No valid host was found. There are not enough hosts available.");
        ConversionException e = assertThrows(ConversionException.class, () -> target.finish(ctx, state));
        assertTrue(e.getMessage().contains("No valid host was found"), e.getMessage());
        assertTrue(state.vmId().isEmpty());

        target.cleanupAfterFailure(ctx, state);
        assertTrue(fake.servers(DEST_PROJECT).isEmpty(), "the failed instance is deleted");
        assertTrue(fake.ports(DEST_PROJECT).isEmpty(), "our port is deleted");
        assertTrue(fake.volume(VOL1).isEmpty() && fake.volume(VOL2).isEmpty(), "our volumes are deleted");
        fake.calls("^DELETE /volume/v3/[^/]+/volumes/").forEach(c -> assertEquals(DEST_PROJECT, c.project()));
    }

    @Test
    void failureMidTransferCleansUpInBothProjects() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        // the second acceptance fails: volume 1 is in the destination, volume 2 has a pending transfer
        failNthAccept(2);
        ConversionException e = assertThrows(ConversionException.class, () -> target.finish(ctx, state));
        assertTrue(e.getMessage().contains("accepting the transfer of volume " + VOL2), e.getMessage());
        assertEquals(DEST_PROJECT, fake.volume(VOL1).orElseThrow().project);
        assertEquals(1, fake.transfers().size());

        target.cleanupAfterFailure(ctx, state);
        assertTrue(fake.transfers().isEmpty(), "the pending transfer is cancelled");
        assertTrue(fake.volume(VOL1).isEmpty(), "volume 1 deleted in the destination project");
        assertTrue(fake.volume(VOL2).isEmpty(), "volume 2 deleted in the conversion host's project");
        assertTrue(fake.ports(DEST_PROJECT).isEmpty());
        assertEquals(DEST_PROJECT, fake.calls("^DELETE .*/volumes/" + VOL1).get(0).project());
        assertEquals(CONVERSION_PROJECT, fake.calls("^DELETE .*/volumes/" + VOL2).get(0).project());
    }

    private void failNthAccept(int n) {
        // let n-1 acceptances through, then fail one
        fake.delayOn("POST", "/os-volume-transfer/[^/]+/accept$", java.time.Duration.ofMillis(1), n - 1);
        fake.failOn("POST", "/os-volume-transfer/[^/]+/accept$", 500, "cinder exploded", 1);
    }

    @Test
    void failureCreatingPortsCleansUpPortsAndVolumes() throws Exception {
        ObjectNode json = requestJson(fake, "vm-1");
        ObjectNode second = ((com.fasterxml.jackson.databind.node.ArrayNode) json.get("network_mappings")).addObject();
        second.put("source", "Other");
        second.put("destination", OspTestSupport.NET);
        second.put("mac_address", "00:50:56:a6:ee:59");
        PlanContext ctx = ctx(json);
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        fake.delayOn("POST", "^/network/v2.0/ports$", java.time.Duration.ofMillis(1), 1);
        fake.failOn("POST", "^/network/v2.0/ports$", 409, "Quota exceeded for resources: ['port'].", 1);
        ConversionException e = assertThrows(ConversionException.class, () -> target.finish(ctx, state));
        assertTrue(e.getMessage().contains("Quota exceeded"), e.getMessage());
        assertTrue(e.getMessage().contains("network_mappings[1]"), e.getMessage());
        assertEquals(1, fake.ports(DEST_PROJECT).size());

        target.cleanupAfterFailure(ctx, state);
        assertTrue(fake.ports(DEST_PROJECT).isEmpty());
        assertTrue(fake.volumes(DEST_PROJECT).isEmpty());
        assertTrue(fake.volumes(CONVERSION_PROJECT).isEmpty());
        assertTrue(fake.servers(DEST_PROJECT).isEmpty());
    }

    @Test
    void cleanupAfterVirtV2vFailureDetachesAndDeletesOurVolumes() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        fake.attach(VOL1, HOST, "/dev/vdb");
        // a third volume virt-v2v created before it died, not yet in the log: found by its guest id tag
        fake.addVolume("33333333-3333-3333-3333-333333333333", CONVERSION_PROJECT, "vm-1-sdc", v2vMetadata(GUEST, 2));
        fake.attach("33333333-3333-3333-3333-333333333333", HOST, "/dev/vdc");
        // somebody else's volume stays
        fake.addVolume("44444444-4444-4444-4444-444444444444", CONVERSION_PROJECT, "other", Map.of());

        target.cleanupAfterFailure(ctx, state);
        assertEquals(List.of("44444444-4444-4444-4444-444444444444"),
                fake.volumes(CONVERSION_PROJECT).stream().map(v -> v.id).toList());
        assertEquals(2, fake.calls("^DELETE /compute/v2.1/servers/" + HOST + "/os-volume_attachments/").size());
        assertTrue(fake.server(HOST).isPresent(), "the conversion host stays");
        // a second call does nothing
        int before = fake.calls().size();
        target.cleanupAfterFailure(ctx, state);
        assertEquals(before, fake.calls().size());
    }

    @Test
    void finishAndCleanupFromOtherThreads() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        fake.nextServerFault("boom");
        AtomicReference<Throwable> finishError = new AtomicReference<>();
        Thread finisher = new Thread(() -> {
            try {
                target.finish(ctx, state);
            } catch (Throwable t) {
                finishError.set(t);
            }
        });
        finisher.start();
        finisher.join(30_000);
        assertNotNull(finishError.get());
        Thread cleaner = new Thread(() -> target.cleanupAfterFailure(ctx, state), "shutdown-hook");
        cleaner.start();
        cleaner.join(30_000);
        assertTrue(fake.volumes(DEST_PROJECT).isEmpty());
        assertTrue(fake.ports(DEST_PROJECT).isEmpty());
        assertTrue(fake.servers(DEST_PROJECT).isEmpty());
        // each project's calls carried that project's token
        fake.calls("^(GET|POST|DELETE) /volume/v3/" + DEST_PROJECT).forEach(c -> assertEquals(DEST_PROJECT, c.project()));
        fake.calls("^(GET|POST|DELETE) /volume/v3/" + CONVERSION_PROJECT)
                .forEach(c -> assertEquals(CONVERSION_PROJECT, c.project()));
    }

    @Test
    void volumesFoundByGuestIdWhenTheLogNamedNone() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
        // created out of order; the disk index property decides
        fake.addVolume(VOL2, CONVERSION_PROJECT, "vm-1-sdb", v2vMetadata(GUEST, 1));
        fake.addVolume(VOL1, CONVERSION_PROJECT, "vm-1-sda", v2vMetadata(GUEST, 0));
        fake.addVolume("55555555-5555-5555-5555-555555555555", CONVERSION_PROJECT, "other-guest",
                v2vMetadata("another-guest", 0));
        ConversionState state = new ConversionState();
        target.finish(ctx, state);
        FakeOpenStack.Server server = fake.servers(DEST_PROJECT).get(0);
        assertEquals("vm-1", server.name, "no display name in the log: vm_name");
        assertEquals(List.of(VOL1, VOL2), server.blockDevices.stream().map(b -> b.get("uuid")).toList());
        assertEquals(CONVERSION_PROJECT, fake.volume("55555555-5555-5555-5555-555555555555").orElseThrow().project);
    }

    @Test
    void sameProjectNeedsNoTransfer() throws Exception {
        ObjectNode json = requestJson(fake, "vm-1");
        json.put("osp_destination_project_id", CONVERSION_PROJECT);
        fake.addNetwork("0f4a6d6e-3b0c-4b8e-9d55-6c7f3d1a2b09", CONVERSION_PROJECT, "conv-net", false);
        ((ObjectNode) json.get("network_mappings").get(0)).put("destination", "conv-net");
        ((ObjectNode) json.get("network_mappings").get(0)).remove("ip_address");
        json.putArray("osp_security_groups_ids");
        PlanContext ctx = ctx(json);
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        target.finish(ctx, state);
        assertTrue(fake.calls("os-volume-transfer").isEmpty());
        assertEquals(1, fake.servers(CONVERSION_PROJECT).stream().filter(s -> s.name.equals("vm-1")).count());
    }

    @Test
    void cleanupDuringFinishStopsItAndRemovesEverything() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        fake.serverBuildPolls(1_000_000); // the instance stays in BUILD
        AtomicReference<Throwable> finishError = new AtomicReference<>();
        Thread main = new Thread(() -> {
            try {
                target.finish(ctx, state);
            } catch (Throwable t) {
                finishError.set(t);
            }
        }, "main-like");
        main.start();
        long until = System.currentTimeMillis() + 20_000;
        while (fake.servers(DEST_PROJECT).isEmpty() && System.currentTimeMillis() < until) {
            Thread.sleep(10);
        }
        assertEquals(1, fake.servers(DEST_PROJECT).size(), "finish got as far as creating the instance");
        target.cleanupAfterFailure(ctx, state); // as the shutdown hook would, on SIGTERM
        main.join(20_000);
        assertFalse(main.isAlive());
        assertTrue(finishError.get() instanceof ConversionException, String.valueOf(finishError.get()));
        assertTrue(state.vmId().isEmpty());
        assertTrue(fake.servers(DEST_PROJECT).isEmpty());
        assertTrue(fake.ports(DEST_PROJECT).isEmpty());
        assertTrue(fake.volumes(DEST_PROJECT).isEmpty());
        assertTrue(fake.volumes(CONVERSION_PROJECT).isEmpty());
    }

    @Test
    void cleanupErrorsAreLoggedNotThrownAndKeepTheOriginalError() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        target.validate(ctx, new ConversionState());
        ConversionState state = afterVirtV2v();
        state.setLastMessage(org.v2vwrapper.state.LastMessage.error("virt-v2v: error: disk copy failed"));
        fake.failOn("DELETE", "/volumes/" + VOL1 + "$", 500, "cinder down", -1);
        target.cleanupAfterFailure(ctx, state);
        assertEquals("virt-v2v: error: disk copy failed", state.lastMessage().orElseThrow().message());
        assertTrue(fake.volume(VOL1).isPresent());
        assertTrue(fake.volume(VOL2).isEmpty(), "the other volume is still deleted");
    }

    @Test
    void cleanupWithoutReachableCloudDoesNotThrow() throws Exception {
        PlanContext ctx = ctx(requestJson(fake, "vm-1"));
        ConversionState state = afterVirtV2v();
        fake.close();
        target.cleanupAfterFailure(ctx, state);
    }
}
