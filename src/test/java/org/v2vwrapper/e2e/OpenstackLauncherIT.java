package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenStack output through the launcher: the fake cloud, the fake virt-v2v printing what -o openstack logs. */
class OpenstackLauncherIT {
    static final String CONVERSION = "c0nversi0nc0nversi0nc0nversi0n00";
    static final String DEST = "d3st1nati0nd3st1nati0nd3st1nat00";
    static final String HOST = "5143dba7-c8ac-4230-ac9a-dbd21788f209";
    static final String FLAVOR = "a96b2815-3525-4eea-9ab4-14ba58e17835";
    static final String SG = "d5366f19-c34f-493c-a816-b305085c8fae";
    static final String NET = "0f4a6d6e-3b0c-4b8e-9d55-6c7f3d1a2b01";
    static final String GUEST = "7d0c3b0e-1f2a-4b5c-8d9e-0f1a2b3c4d5e";
    static final String VOL1 = "11111111-1111-1111-1111-111111111111";
    static final String VOL2 = "22222222-2222-2222-2222-222222222222";
    static final String PASSWORD = "hunter2-Osp-S3cret";
    static final String MAC = "00:50:56:a6:ee:58";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;
    FakeOpenStack cloud;

    @BeforeEach
    void cloud() throws Exception {
        cloud = FakeOpenStack.start();
        cloud.project(CONVERSION, "conversion", "Default");
        cloud.project(DEST, "destination", "Default");
        cloud.user("migrator", "Default", PASSWORD, CONVERSION, DEST);
        cloud.addServer(HOST, CONVERSION, "conversion-host");
        cloud.addFlavor(FLAVOR, "m1.small");
        cloud.addSecurityGroup(SG, DEST, "default");
        cloud.addNetwork(NET, DEST, "dest-net", false);
        cloud.addSubnet("8d3c2f1e-6b5a-4c3d-9e8f-7a6b5c4d3e02", NET, "10.0.0.0/24");
    }

    @AfterEach
    void close() {
        cloud.close();
    }

    String request(String vmName, String flavor) {
        return """
                {"vm_name": "%s", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1", "vmware_password": "vmware-pw",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "osp_environment": {"os-auth_url": "%s", "os-username": "migrator", "os-password": "%s",
                   "os-project_name": "conversion", "os-project_domain_name": "Default",
                   "os-user_domain_name": "Default", "os-region_name": "%s", "os-interface": "public"},
                 "osp_destination_project_id": "%s", "osp_flavor_id": "%s",
                 "osp_security_groups_ids": ["%s"], "osp_server_id": "%s", "osp_guest_id": "%s",
                 "network_mappings": [{"source": "VM Network", "destination": "dest-net",
                                       "mac_address": "%s", "ip_address": "10.0.0.42"}]}
                """.formatted(vmName, cloud.authUrl(), PASSWORD, FakeOpenStack.REGION, DEST, flavor, SG, HOST,
                GUEST, MAC);
    }

    /**
     * virt-v2v -o openstack: it creates one volume per disk in the conversion host's project (seeded here, as the
     * openstack tool would have made them) and logs the commands that name them.
     */
    Scenario convert(int exitCode) {
        cloud.addVolume(VOL1, CONVERSION, "win7-sda", Map.of("virt_v2v_guest_id", GUEST, "virt_v2v_disk_index", "0"));
        cloud.addVolume(VOL2, CONVERSION, "win7-sdb", Map.of("virt_v2v_guest_id", GUEST, "virt_v2v_disk_index", "1"));
        if (exitCode != 0) {
            // A failed run can leave a volume attached to the conversion host (virt-v2v detaches on success).
            cloud.attach(VOL1, HOST, "/dev/vdb");
        }
        Scenario s = new Scenario().out("[   0.0] Setting up the source: -i libvirt -ic esx://root@esxi.example.com win7");
        String[] vols = {VOL1, VOL2};
        for (int i = 0; i < 2; i++) {
            s.out("[  10.%d] Copying disk %d/2".formatted(i, i + 1))
                    .err("openstack --os-interface=public volume show -f json " + vols[i])
                    .errCr(Scenario.progressBar(50)).sleep(0.1).err(Scenario.progressBar(100))
                    .err("openstack --os-interface=public volume set --description 'win7 disk' --property virt_v2v_disk_index="
                            + (i + 1) + "/2 --property virt_v2v_guest_id=" + GUEST + " " + vols[i]);
        }
        if (exitCode != 0) {
            return s.exit(exitCode);
        }
        return s.out("[  20.0] Finishing off").exit(0);
    }

    @Test
    void successMovesTheVolumesAndCreatesTheInstance() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(convert(0));
        run.start(request("win7", FLAVOR));
        assertEquals(0, run.waitFor(180), run.stderr());
        JsonNode s = run.state();
        assertFalse(s.get("failed").asBoolean());
        List<FakeOpenStack.Server> servers = cloud.servers(DEST);
        assertEquals(1, servers.size());
        FakeOpenStack.Server server = servers.get(0);
        assertEquals(server.id, s.get("vm_id").asText());
        assertEquals("win7", server.name);
        assertEquals(FLAVOR, server.flavorId);
        assertEquals(List.of(VOL1, VOL2), server.blockDevices.stream().map(b -> String.valueOf(b.get("uuid"))).toList());
        assertEquals(DEST, cloud.volume(VOL1).orElseThrow().project);
        assertEquals(DEST, cloud.volume(VOL2).orElseThrow().project);
        List<FakeOpenStack.Port> ports = cloud.ports(DEST);
        assertEquals(1, ports.size());
        assertEquals(MAC, ports.get(0).mac);
        assertTrue(ports.get(0).fixedIps.containsValue("10.0.0.42"), ports.get(0).fixedIps.toString());
        assertEquals(List.of(SG), ports.get(0).securityGroups);
        assertFalse(cloud.calls("POST .*/os-volume-transfer$").isEmpty());
        assertFalse(cloud.calls("POST .*/os-volume-transfer/.*/accept").isEmpty());
        // The password reached virt-v2v through its environment only.
        JsonNode rec = run.recorded();
        assertEquals(PASSWORD, rec.get("env").get("OS_PASSWORD").asText());
        assertFalse(rec.get("argv").toString().contains(PASSWORD));
        for (Path f : run.filesUnder(tmp.resolve("log"))) {
            assertFalse(Files.readString(f).contains(PASSWORD), "password in " + f);
        }
        assertFalse(run.stdout().contains(PASSWORD) || run.stderr().contains(PASSWORD));
    }

    @Test
    void aServerWithTheSameNameStopsTheRunBeforeVirtV2vStarts() throws Exception {
        cloud.addServer("9d8da538-1bf6-429d-84de-5b0f9d0c5ed0", DEST, "win7");
        WrapperRun run = new WrapperRun(tmp).scenario(convert(0));
        run.start(request("win7", FLAVOR));
        assertEquals(1, run.waitFor(60));
        assertFalse(Files.exists(run.record), "virt-v2v was started");
        assertTrue(run.state().get("last_message").get("message").asText().contains("win7"));
        assertEquals(1, run.stderr().lines().count(), run.stderr());
    }

    @Test
    void aMissingFlavorStopsTheRunBeforeVirtV2vStarts() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(convert(0));
        run.start(request("win7", "no-such-flavor"));
        assertEquals(1, run.waitFor(60));
        assertFalse(Files.exists(run.record), "virt-v2v was started");
        assertTrue(run.state().get("last_message").get("message").asText().contains("no-such-flavor"),
                run.state().toString());
    }

    @Test
    void aServerFaultFailsTheRunAndCleansUp() throws Exception {
        cloud.nextServerFault("No valid host was found.");
        WrapperRun run = new WrapperRun(tmp).scenario(convert(0));
        run.start(request("win7", FLAVOR));
        assertEquals(2, run.waitFor(180), run.stderr());
        JsonNode s = run.state();
        assertTrue(s.get("failed").asBoolean());
        assertTrue(s.get("last_message").get("message").asText().contains("No valid host was found."), s.toString());
        assertTrue(cloud.ports(DEST).isEmpty(), "ports left: " + cloud.ports(DEST));
        assertTrue(cloud.volume(VOL1).isEmpty() && cloud.volume(VOL2).isEmpty(), "volumes left");
    }

    @Test
    void aVirtV2vFailureMidRunDetachesAndDeletesItsVolumes() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(convert(1));
        run.start(request("win7", FLAVOR));
        assertEquals(2, run.waitFor(180), run.stderr());
        assertTrue(cloud.volume(VOL1).isEmpty() && cloud.volume(VOL2).isEmpty(), "volumes left");
        assertFalse(cloud.calls("DELETE .*/os-volume_attachments/" + VOL1).isEmpty(), cloud.calls().toString());
        assertEquals("virt-v2v failed with exit code 1", run.state().get("last_message").get("message").asText());
    }
}
