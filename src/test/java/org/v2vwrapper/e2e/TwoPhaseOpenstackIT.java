package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ledger.RemoteLedger;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.e2e.TwoPhaseFakes.MAC1;
import static org.v2vwrapper.e2e.TwoPhaseFakes.MAC2;
import static org.v2vwrapper.e2e.TwoPhaseFakes.MIB;
import static org.v2vwrapper.e2e.TwoPhaseFakes.SOURCE_DISKS;
import static org.v2vwrapper.e2e.TwoPhaseFakes.VM;

/**
 * Two-phase (and warm) from the fake vSphere to the fake OpenStack cloud through the real launcher: volumes made
 * in the conversion host's project and attached to {@code osp_server_id} (their {@code virtio-…} links in a test
 * {@code --dev-disk-by-id}), the pre-copy into them, the fake virt-v2v-in-place and inspector, then detach, the
 * boot volume's image properties from the facts, transfer to the destination project, ports, the instance; and
 * the cleanup after a failure.
 */
class TwoPhaseOpenstackIT {
    static final String CONVERSION = "c0nversi0nc0nversi0nc0nversi0n00";
    static final String DEST = "d3st1nati0nd3st1nati0nd3st1nat00";
    static final String HOST = "5143dba7-c8ac-4230-ac9a-dbd21788f209";
    static final String FLAVOR = "a96b2815-3525-4eea-9ab4-14ba58e17835";
    static final String SG = "d5366f19-c34f-493c-a816-b305085c8fae";
    static final String NET = "0f4a6d6e-3b0c-4b8e-9d55-6c7f3d1a2b01";
    static final String NET2 = "0f4a6d6e-3b0c-4b8e-9d55-6c7f3d1a2b02";
    static final String SUBNET = "8d3c2f1e-6b5a-4c3d-9e8f-7a6b5c4d3e02";
    static final String GUEST = "7d0c3b0e-1f2a-4b5c-8d9e-0f1a2b3c4d5e";
    static final String OTHERS = "0e0e0e0e-1111-4111-8111-111111111111";
    static final String OTHERS_PORT = "0e0e0e0e-2222-4222-8222-222222222222";
    static final String PASSWORD = "hunter2-Osp-S3cret";
    /**
     * One "GiB" of a volume is 4 MiB of sparse backing file, and both source disks have 4 MiB: the fake's volumes
     * are regular files, which the copy wants exactly as large as the source (a real volume is a block device,
     * which may be larger).
     */
    static final long UNIT = 4 * MIB;
    static final byte[] CONVERTED = "CONVERTED".getBytes(StandardCharsets.US_ASCII);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    TwoPhaseFakes fakes;
    FakeOpenStack cloud;
    Path byId;

    @BeforeEach
    void setUp() throws Exception {
        fakes = new TwoPhaseFakes(tmp);
        cloud = FakeOpenStack.start();
        cloud.project(CONVERSION, "conversion", "Default");
        cloud.project(DEST, "destination", "Default");
        cloud.user("migrator", "Default", PASSWORD, CONVERSION, DEST);
        cloud.addServer(HOST, CONVERSION, "conversion-host");
        cloud.addFlavor(FLAVOR, "m1.small");
        cloud.addSecurityGroup(SG, DEST, "default");
        cloud.addNetwork(NET, DEST, "dest-net", false);
        cloud.addSubnet(SUBNET, NET, "10.0.0.0/24");
        cloud.addNetwork(NET2, DEST, "dmz-net", false);
        cloud.addSubnet("8d3c2f1e-6b5a-4c3d-9e8f-7a6b5c4d3e03", NET2, "10.1.0.0/24");
        cloud.storage(Files.createDirectory(tmp.resolve("storage")), UNIT);
        byId = Files.createDirectory(tmp.resolve("by-id"));
        cloud.devDiskById(HOST, byId);
        // New volumes are available at the first look (the launcher polls every 5 s); detaching is still seen once.
        cloud.creationPolls(0);
        // Someone else's volume on the conversion host and port in the destination: never touched.
        cloud.addVolume(OTHERS, CONVERSION, "someone-elses", Map.of());
        cloud.attach(OTHERS, HOST, "/dev/vdb");
        cloud.addPort(OTHERS_PORT, DEST, NET, "fa:16:3e:00:00:01");
    }

    @AfterEach
    void tearDown() {
        cloud.close();
        fakes.vsphere.close();
    }

    private String request(boolean warm) {
        ObjectNode r = fakes.request(warm);
        ObjectNode env = r.putObject("osp_environment");
        env.put("os-auth_url", cloud.authUrl());
        env.put("os-username", "migrator");
        env.put("os-password", PASSWORD);
        env.put("os-project_name", "conversion");
        env.put("os-project_domain_name", "Default");
        env.put("os-user_domain_name", "Default");
        env.put("os-region_name", FakeOpenStack.REGION);
        env.put("os-interface", "public");
        r.put("osp_destination_project_id", DEST);
        r.put("osp_flavor_id", FLAVOR);
        r.putArray("osp_security_groups_ids").add(SG);
        r.put("osp_server_id", HOST);
        r.put("osp_guest_id", GUEST);
        var maps = r.putArray("network_mappings");
        maps.addObject().put("source", "VM Network").put("destination", "dest-net").put("mac_address", MAC1)
                .put("ip_address", "10.0.0.42");
        maps.addObject().put("source", TwoPhaseFakes.DVPG).put("destination", "dmz-net").put("mac_address", MAC2);
        return r.toString();
    }

    private WrapperRun wrapper(String name) throws Exception {
        return fakes.wrapper(name).arg("--dev-disk-by-id=" + byId);
    }

    private List<FakeOpenStack.Volume> ours() {
        return Stream.concat(cloud.volumes(CONVERSION).stream(), cloud.volumes(DEST).stream())
                .filter(v -> v.name.startsWith(VM + "_Disk")).toList();
    }

    /** The cloud's changing calls (tokens aside), service prefixes cut, ids replaced by the names given. */
    private List<String> changingCalls(Map<String, String> names) {
        List<String> out = new ArrayList<>();
        for (FakeOpenStack.Call c : cloud.calls()) {
            if (c.method().equals("GET") || c.path().contains("auth/tokens")) {
                continue;
            }
            String p = c.path().replaceAll("^/(volume/v3|compute/v2.1|network/v2.0)(/[0-9a-z]{32})?", "");
            for (var e : names.entrySet()) {
                p = p.replace(e.getKey(), e.getValue());
            }
            out.add(c.method() + " " + p.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "ID"));
        }
        return out;
    }

    private static Path onlyLog(WrapperRun run, String prefix) throws IOException {
        try (var files = Files.list(run.logDir)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
            assertEquals(1, found.size(), prefix + "*: " + found);
            return found.get(0);
        }
    }

    @Test
    void warmTwoPhaseMakesTheInstanceFromTheConvertedVolumes() throws Exception {
        fakes.addSourceVm("efi", false, UNIT);
        // The inspection while waiting fails here, so the converted guest is inspected after the cutover instead.
        WrapperRun run = wrapper("warm").env("FAKE_INSPECTOR_FAIL", "unconverted").start(request(true));
        run.awaitState(st -> "Waiting".equals(st.path("status").asText()), 60);
        // While the run waits (for hours, maybe), its volumes are in the run's ledger, for a replay after SIGKILL.
        String listed = Files.readString(run.runDir.resolve(RemoteLedger.FILE_NAME));
        List<FakeOpenStack.Volume> made = ours();
        assertEquals(2, made.size());
        assertTrue(made.stream().allMatch(v -> listed.contains(v.id)), listed);
        assertFalse(listed.contains(PASSWORD), "a secret in the ledger");
        Files.createFile(run.runDir.resolve("cutover"));
        assertEquals(0, run.waitFor(180), run.stderr());

        JsonNode s = run.state();
        assertFalse(s.path("failed").asBoolean(), s.toString());
        assertEquals("finished", TwoPhaseFakes.lastKey(s));
        // Each inspection's words in a file of its own: the late one did not truncate why the early one failed.
        assertTrue(Files.readString(onlyLog(run, "virt-v2v-inspector-early-")).contains("no operating system was found"));
        assertTrue(Files.readString(onlyLog(run, "virt-v2v-inspector-" + VM)).contains("inspected 2 disks"));
        List<FakeOpenStack.Volume> vols = ours();
        assertEquals(List.of(VM + "_Disk1", VM + "_Disk2"), vols.stream().map(v -> v.name).toList());
        String v1 = vols.get(0).id;
        String v2 = vols.get(1).id;

        // Volumes: ceil(capacity / GiB), tagged as virt-v2v tags its own, transferred to the destination project,
        // detached from the conversion host, holding the final source converted in place.
        for (int i = 0; i < 2; i++) {
            FakeOpenStack.Volume v = vols.get(i);
            assertEquals(1, v.size);
            assertEquals(DEST, v.project, "transferred");
            assertEquals(GUEST, v.metadata.get("virt_v2v_guest_id"));
            assertEquals(Integer.toString(i), v.metadata.get("virt_v2v_disk_index"));
            assertFalse(v.attachments.containsKey(HOST), "still on the conversion host");
            byte[] expected = fakes.convertedSource(i, CONVERTED, 512);
            byte[] actual = Files.readAllBytes(cloud.backing(v));
            assertArrayEquals(expected, actual, "volume " + (i + 1));
        }
        // The boot volume's image properties from the facts, as virt-v2v's -o openstack sets them
        // (openstack_image_properties.ml): the fake in-place's caps (virtio-blk, virtio-net, q35, x86_64, virtio
        // RNG), the fake inspector's RHEL 9.2, the source's 4 vCPUs and UEFI.
        assertTrue(vols.get(0).bootable, "the boot volume is bootable");
        assertEquals(new LinkedHashMap<>(Map.ofEntries(Map.entry("architecture", "x86_64"),
                Map.entry("hypervisor_type", "kvm"), Map.entry("vm_mode", "hvm"), Map.entry("hw_disk_bus", "virtio"),
                Map.entry("hw_vif_model", "virtio"), Map.entry("hw_video_model", "vga"),
                Map.entry("hw_machine_type", "q35"), Map.entry("os_type", "linux"), Map.entry("os_distro", "rhel"),
                Map.entry("os_version", "9.2"), Map.entry("hw_cpu_sockets", "4"), Map.entry("hw_cpu_cores", "1"),
                Map.entry("hw_cpu_threads", "1"), Map.entry("hw_rng_model", "virtio"),
                Map.entry("hw_firmware_type", "uefi"))), new LinkedHashMap<>(vols.get(0).imageMetadata));
        assertEquals(Map.of(), vols.get(1).imageMetadata, "only the boot volume, as virt-v2v");
        assertFalse(vols.get(1).bootable);

        // The instance: in the destination project, from our volumes in order, with a port per mapping.
        List<FakeOpenStack.Server> servers = cloud.servers(DEST);
        assertEquals(1, servers.size());
        FakeOpenStack.Server server = servers.get(0);
        assertEquals(server.id, s.path("vm_id").asText());
        assertEquals(VM, server.name);
        assertEquals(FLAVOR, server.flavorId);
        assertEquals("ACTIVE", server.status);
        assertEquals(List.of(v1, v2), server.blockDevices.stream().map(b -> String.valueOf(b.get("uuid"))).toList());
        List<FakeOpenStack.Port> ports = cloud.ports(DEST).stream().filter(p -> !p.id.equals(OTHERS_PORT)).toList();
        assertEquals(List.of(MAC1, MAC2), ports.stream().map(p -> p.mac).toList());
        assertEquals(List.of(NET, NET2), ports.stream().map(p -> p.networkId).toList());
        assertEquals(Map.of(SUBNET, "10.0.0.42"), ports.get(0).fixedIps);
        assertTrue(ports.stream().allMatch(p -> p.securityGroups.equals(List.of(SG))));
        assertEquals(ports.stream().map(p -> p.id).toList(), server.ports);

        // The calls in order: volumes made and attached (pre-copy), detached, the boot volume marked bootable and
        // given its image properties, each volume transferred (created in the conversion project, accepted in the
        // destination), ports, the instance.
        Map<String, String> names = new LinkedHashMap<>(Map.of(HOST, "HOST", v1, "V1", v2, "V2"));
        List<String> calls = changingCalls(names);
        assertEquals(List.of("POST /volumes", "POST /servers/HOST/os-volume_attachments",
                "POST /volumes", "POST /servers/HOST/os-volume_attachments",
                "DELETE /servers/HOST/os-volume_attachments/V1", "DELETE /servers/HOST/os-volume_attachments/V2",
                "POST /volumes/V1/action", "POST /volumes/V1/action",
                "POST /os-volume-transfer", "POST /os-volume-transfer/ID/accept",
                "POST /os-volume-transfer", "POST /os-volume-transfer/ID/accept",
                "POST /ports", "POST /ports", "POST /servers"), calls);
        List<FakeOpenStack.Call> actions = cloud.calls("^POST .*/volumes/[^/]+/action$");
        assertTrue(actions.get(0).body().contains("os-set_bootable"), actions.get(0).body());
        assertTrue(actions.get(1).body().contains("os-set_image_metadata"), actions.get(1).body());
        // The detach was waited for: the volumes were read again after the detach, before anything else.
        List<FakeOpenStack.Call> all = cloud.calls();
        int detach = indexOf(all, "DELETE", "/os-volume_attachments/" + v2);
        int bootable = indexOf(all, "POST", "/volumes/" + v1 + "/action");
        assertTrue(all.subList(detach, bootable).stream().filter(c -> c.method().equals("GET")
                && c.path().endsWith("/volumes/" + v2)).count() >= 2, "not waited for: " + all.subList(detach, bootable));

        // The conversion host has only what it had; someone else's volume and port untouched.
        assertEquals(Map.of(HOST, "/dev/vdb"), cloud.volume(OTHERS).orElseThrow().attachments);
        assertTrue(cloud.ports(DEST).stream().anyMatch(p -> p.id.equals(OTHERS_PORT)));
        try (var links = Files.list(byId)) {
            assertEquals(List.of(), links.toList(), "device links of the detached volumes");
        }

        // ManageIQ: disks[].path = source_disks, pid was virt-v2v-in-place's, vm_id, cutover_file.
        assertEquals(SOURCE_DISKS, TwoPhaseFakes.diskPaths(s));
        List<JsonNode> inPlace = fakes.toolCalls("virt-v2v-in-place");
        assertEquals(1, inPlace.size());
        assertEquals(inPlace.get(0).path("pid").asLong(), s.path("pid").asLong(), s.toString());
        assertEquals(List.of("virt-v2v-inspector (unconverted)", "virt-v2v-in-place", "virt-v2v-inspector"),
                fakes.toolCalls().stream().map(c -> c.path("tool").asText()).toList());
        List<String> argv = TwoPhaseFakes.argv(inPlace.get(0));
        assertTrue(argv.containsAll(List.of(MAC1 + ":bridge:dest-net", MAC2 + ":bridge:dmz-net")), argv.toString());
        String xml = inPlace.get(0).path("xml").path("text").asText();
        assertTrue(xml.contains(byId.resolve("virtio-" + v1.substring(0, 20)).toString()), xml);
        assertEquals(run.runDir.resolve("cutover").toString(), TwoPhaseFakes.stdoutLine(run).path("cutover_file").asText());
        assertEquals(0, fakes.vsphere.snapshotsAlive(VM));
        assertFalse(Files.exists(run.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger lists something");
        TwoPhaseFakes.assertNoSecret(run, PASSWORD);
        TwoPhaseFakes.assertNoSecret(run, fakes.vsphere.password());
    }

    private static int indexOf(List<FakeOpenStack.Call> calls, String method, String pathEnd) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).method().equals(method) && calls.get(i).path().endsWith(pathEnd)) {
                return i;
            }
        }
        throw new AssertionError("no " + method + " …" + pathEnd + " in " + calls);
    }

    // ----- failures -----

    /** Failed after the point of no return (exit 2), named the step, and the cloud is as the run found it. */
    private JsonNode assertCleanedUp(WrapperRun run, String step) throws Exception {
        assertEquals(2, run.waitFor(180), run.stderr());
        JsonNode s = run.state();
        assertTrue(s.path("failed").asBoolean(), s.toString());
        assertEquals("finished", TwoPhaseFakes.lastKey(s));
        String message = s.path("last_message").path("message").asText();
        assertTrue(message.contains(step), "last_message does not name '" + step + "': " + s);
        assertEquals(List.of(), ours(), "volumes of the run left");
        assertTrue(cloud.servers(DEST).stream().allMatch(x -> "DELETED".equals(x.status)), "instance left");
        assertEquals(List.of(OTHERS_PORT), cloud.ports(DEST).stream().map(p -> p.id).toList(), "ports left");
        assertTrue(cloud.transfers().isEmpty(), "transfers left: " + cloud.transfers());
        assertEquals(Map.of(HOST, "/dev/vdb"), cloud.volume(OTHERS).orElseThrow().attachments);
        for (FakeOpenStack.Call c : cloud.calls()) {
            assertFalse(!c.method().equals("GET") && (c.path().contains(OTHERS) || c.path().contains(OTHERS_PORT)),
                    "touched: " + c);
        }
        try (var links = Files.list(byId)) {
            assertEquals(List.of(), links.toList(), "device links left");
        }
        assertFalse(Files.exists(run.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger lists something");
        assertEquals(0, fakes.vsphere.snapshotsAlive(VM));
        try (var left = Files.list(run.runDir)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.startsWith("secrets-") || n.startsWith("two-phase-")),
                    "left in the run directory: " + names);
        }
        return s;
    }

    @Test
    void aFailedInPlaceConversionRemovesTheVolumes() throws Exception {
        fakes.addSourceVm("bios", true, UNIT);
        WrapperRun run = wrapper("inplace").env("FAKE_IN_PLACE_FAIL", "1").start(request(false));
        assertCleanedUp(run, "virt-v2v-in-place");
        assertTrue(cloud.calls("POST .*/os-volume-transfer").isEmpty(), "transferred after a failed conversion");
        assertTrue(cloud.calls("POST .*/servers$").isEmpty(), "an instance after a failed conversion");
        assertEquals(0, fakes.toolCalls("virt-v2v-inspector").size());
    }

    @Test
    void aFailedInstanceRemovesItItsPortsAndTheTransferredVolumes() throws Exception {
        fakes.addSourceVm("bios", true, UNIT);
        cloud.nextServerFault("No valid host was found.");
        WrapperRun run = wrapper("instance").start(request(false));
        JsonNode s = assertCleanedUp(run, "No valid host was found.");
        assertTrue(s.path("last_message").path("message").asText().startsWith("creating the instance"), s.toString());
        assertEquals(2, cloud.calls("POST .*/os-volume-transfer/[^/]+/accept$").size(), "they were transferred");
        assertFalse(cloud.calls("DELETE .*/servers/[^/]+$").isEmpty(), "the failed instance was not deleted");
    }

    @Test
    void virtV2v14xIsRefusedBeforeAnythingIsMade() throws Exception {
        fakes.addSourceVm("bios", true, UNIT);
        WrapperRun run = wrapper("v142").env("FAKE_V2V_GENERATION", "1").start(request(false));
        assertEquals(1, run.waitFor(60), run.stderr());
        JsonNode s = run.state();
        assertTrue(s.path("last_message").path("message").asText().contains("needs virt-v2v 2.x"), s.toString());
        assertEquals(List.of(), changingCalls(Map.of()), "the cloud was changed");
        assertTrue(fakes.vsphere.calls("CreateSnapshot_Task").isEmpty(), "vSphere was touched");
        assertTrue(fakes.toolCalls().isEmpty(), "a conversion tool ran");
    }

    @Test
    void aSigkilledRunsVolumesAreRemovedByTheNextRunOnItsRunDirectory() throws Exception {
        fakes.addSourceVm("bios", false, UNIT);
        WrapperRun killed = wrapper("killed").start(request(true));
        killed.awaitState(st -> "Waiting".equals(st.path("status").asText()), 60);
        List<String> made = ours().stream().map(v -> v.id).toList();
        assertEquals(2, made.size());
        killed.process().destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        killed.process().waitFor();
        assertEquals(2, ours().size(), "nothing removed them yet");
        assertTrue(ours().stream().allMatch(v -> v.attachments.containsKey(HOST)), "still on the conversion host");

        // The next run on that run directory replays the ledger first (here it stops at the tool check).
        WrapperRun next = wrapper("killed").env("FAKE_V2V_GENERATION", "1").start(request(false));
        assertEquals(1, next.waitFor(120), next.stderr());
        assertEquals(List.of(), ours(), "the dead run's volumes are still there");
        for (String id : made) {
            assertFalse(cloud.calls("DELETE .*/os-volume_attachments/" + id).isEmpty(), "not detached first: " + id);
        }
        assertEquals(Map.of(HOST, "/dev/vdb"), cloud.volume(OTHERS).orElseThrow().attachments);
        assertTrue(cloud.ports(DEST).stream().anyMatch(p -> p.id.equals(OTHERS_PORT)));
        assertFalse(Files.exists(next.runDir.resolve(RemoteLedger.FILE_NAME)), "the ledger still lists something");
    }
}
