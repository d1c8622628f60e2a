package org.v2vwrapper.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The test tree's fake oVirt engine or fake OpenStack cloud, standalone on 127.0.0.1, for {@code bench/monitor.py}
 * (not a test). {@code BenchFakes rhv|osp DIR DISKS} seeds what a two-disk conversion to that destination needs,
 * prints one JSON line (the request, the wrapper's extra arguments, and the lines the fake virt-v2v must print
 * before and after each disk's copy and at the end), then serves until its stdin closes.
 */
public final class BenchFakes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SOURCE = """
            "vm_name": "bench", "transport_method": "vddk",
            "vmware_uri": "esx://root@esxi.example.com?no_verify=1", "vmware_password": "vmware-pw",
            "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
            "source_disks": [%s]""";

    private BenchFakes() {
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        Path dir = Files.createDirectories(Path.of(args[1]));
        int disks = Integer.parseInt(args[2]);
        ObjectNode out = JSON.createObjectNode();
        AutoCloseable fake = switch (kind) {
            case "rhv" -> rhv(dir, disks, out);
            case "osp" -> osp(disks, out);
            default -> throw new IllegalArgumentException("rhv or osp, not " + kind);
        };
        try (fake) {
            System.out.println(JSON.writeValueAsString(out));
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // serve until the bench closes our stdin
            }
        }
    }

    private static String sourceDisks(int disks) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= disks; i++) {
            sb.append(i > 1 ? ", " : "").append("\"[ds] bench/bench_").append(i).append(".vmdk\"");
        }
        return SOURCE.formatted(sb);
    }

    private static FakeOvirtEngine rhv(Path dir, int disks, ObjectNode out) throws IOException {
        TestCa ca = TestCa.create(dir.resolve("ca"), "bench CA", "dns:localhost,ip:127.0.0.1");
        FakeOvirtEngine engine = FakeOvirtEngine.start(ca);
        engine.addCluster("Default");
        engine.addStorageDomain("data", "nfs");
        engine.setUnlockAfterGets(0);
        String vmId = "cccccccc-0000-0000-0000-000000000001";
        out.put("request", "{" + sourceDisks(disks) + """
                , "rhv_url": "%s", "rhv_password": "%s", "rhv_cluster": "Default", "rhv_storage": "data"}"""
                .formatted(engine.url(), engine.password()));
        out.putArray("args").add("--ca-bundle=" + ca.caPem());
        ArrayNode before = out.putArray("before_copy");
        out.putArray("after_copy");
        for (int i = 1; i <= disks; i++) {
            before.addArray().add("err disk.id = 'aaaaaaaa-0000-0000-0000-00000000000" + i + "'");
            ((ArrayNode) out.get("after_copy")).addArray();
        }
        out.putArray("finish")
                .add("out [  20.0] Creating output metadata")
                .add("err <VirtualSystem ovf:id='" + vmId + "'>")
                .add("http-post " + engine.url().replace(FakeOvirtEngine.API, "") + FakeOvirtEngine.CONTROL
                        + "vms?id=" + vmId + "&name=bench");
        return engine;
    }

    private static FakeOpenStack osp(int disks, ObjectNode out) throws IOException {
        String conversion = "c0nversi0nc0nversi0nc0nversi0n00";
        String dest = "d3st1nati0nd3st1nati0nd3st1nat00";
        String host = "5143dba7-c8ac-4230-ac9a-dbd21788f209";
        String flavor = "a96b2815-3525-4eea-9ab4-14ba58e17835";
        String sg = "d5366f19-c34f-493c-a816-b305085c8fae";
        String net = "0f4a6d6e-3b0c-4b8e-9d55-6c7f3d1a2b01";
        String guest = "7d0c3b0e-1f2a-4b5c-8d9e-0f1a2b3c4d5e";
        String password = "bench-Osp-pw";
        FakeOpenStack cloud = FakeOpenStack.start();
        cloud.project(conversion, "conversion", "Default");
        cloud.project(dest, "destination", "Default");
        cloud.user("migrator", "Default", password, conversion, dest);
        cloud.addServer(host, conversion, "conversion-host");
        cloud.addFlavor(flavor, "m1.small");
        cloud.addSecurityGroup(sg, dest, "default");
        cloud.addNetwork(net, dest, "dest-net", false);
        cloud.addSubnet("8d3c2f1e-6b5a-4c3d-9e8f-7a6b5c4d3e02", net, "10.0.0.0/24");
        out.put("request", "{" + sourceDisks(disks) + """
                , "osp_environment": {"os-auth_url": "%s", "os-username": "migrator", "os-password": "%s",
                   "os-project_name": "conversion", "os-project_domain_name": "Default",
                   "os-user_domain_name": "Default", "os-region_name": "%s", "os-interface": "public"},
                 "osp_destination_project_id": "%s", "osp_flavor_id": "%s",
                 "osp_security_groups_ids": ["%s"], "osp_server_id": "%s", "osp_guest_id": "%s",
                 "network_mappings": [{"source": "VM Network", "destination": "dest-net",
                                       "mac_address": "00:50:56:a6:ee:58", "ip_address": "10.0.0.42"}]}"""
                .formatted(cloud.authUrl(), password, FakeOpenStack.REGION, dest, flavor, sg, host, guest));
        out.putArray("args");
        ArrayNode before = out.putArray("before_copy");
        ArrayNode after = out.putArray("after_copy");
        for (int i = 1; i <= disks; i++) {
            String vol = "%08d-1111-1111-1111-111111111111".formatted(i);
            cloud.addVolume(vol, conversion, "bench-sd" + (char) ('a' + i - 1),
                    Map.of("virt_v2v_guest_id", guest, "virt_v2v_disk_index", String.valueOf(i - 1)));
            before.addArray().add("err openstack --os-interface=public volume show -f json " + vol);
            after.addArray().add("err openstack --os-interface=public volume set --description 'bench disk'"
                    + " --property virt_v2v_disk_index=" + i + "/" + disks + " --property virt_v2v_guest_id="
                    + guest + " " + vol);
        }
        out.putArray("finish");
        return cloud;
    }
}
