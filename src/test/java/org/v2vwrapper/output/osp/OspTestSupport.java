package org.v2vwrapper.output.osp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;

/** A seeded fake cloud and requests for it, shared by the OpenStack tests. */
final class OspTestSupport {
    static final String CONVERSION_PROJECT = "c0nversi0nc0nversi0nc0nversi0n00";
    static final String DEST_PROJECT = "d3st1nati0nd3st1nati0nd3st1nat00";
    static final String HOST = "5143dba7-c8ac-4230-ac9a-dbd21788f209";
    static final String FLAVOR = "a96b2815-3525-4eea-9ab4-14ba58e17835";
    static final String SG = "d5366f19-c34f-493c-a816-b305085c8fae";
    static final String NET = "0f4a6d6e-3b0c-4b8e-9d55-6c7f3d1a2b01";
    static final String SUBNET = "8d3c2f1e-6b5a-4c3d-9e8f-7a6b5c4d3e02";
    static final String PASSWORD = "hunter2-Secret!";
    static final String MAC = "00:50:56:a6:ee:58";
    static final ObjectMapper JSON = new ObjectMapper();

    private OspTestSupport() {
    }

    static FakeOpenStack seededCloud() throws IOException {
        FakeOpenStack fake = FakeOpenStack.start();
        fake.project(CONVERSION_PROJECT, "conversion", "Default");
        fake.project(DEST_PROJECT, "destination", "Default");
        fake.user("migrator", "Default", PASSWORD, CONVERSION_PROJECT, DEST_PROJECT);
        fake.addServer(HOST, CONVERSION_PROJECT, "conversion-host");
        fake.addFlavor(FLAVOR, "m1.small");
        fake.addSecurityGroup(SG, DEST_PROJECT, "default");
        fake.addNetwork(NET, DEST_PROJECT, "dest-net", false);
        fake.addSubnet(SUBNET, NET, "10.0.0.0/24");
        return fake;
    }

    /** A valid OpenStack request against {@code fake}, as a mutable JSON tree. */
    static ObjectNode requestJson(FakeOpenStack fake, String vmName) {
        ObjectNode r = JSON.createObjectNode();
        r.put("vm_name", vmName);
        r.put("transport_method", "vddk");
        r.put("vmware_uri", "esx://root@10.2.0.20?no_verify=1");
        r.put("vmware_password", "vmware-pw");
        r.put("vmware_fingerprint", "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C");
        ObjectNode env = r.putObject("osp_environment");
        env.put("os-auth_url", fake.authUrl());
        env.put("os-username", "migrator");
        env.put("os-password", PASSWORD);
        env.put("os-project_name", "conversion");
        env.put("os-project_domain_name", "Default");
        env.put("os-user_domain_name", "Default");
        env.put("os-region_name", FakeOpenStack.REGION);
        env.put("os-interface", "public");
        env.put("os-identity_api_version", "3");
        r.put("osp_destination_project_id", DEST_PROJECT);
        r.put("osp_flavor_id", FLAVOR);
        r.putArray("osp_security_groups_ids").add(SG);
        r.put("osp_server_id", HOST);
        ArrayNode maps = r.putArray("network_mappings");
        ObjectNode m = maps.addObject();
        m.put("source", "VM Network");
        m.put("destination", "dest-net");
        m.put("mac_address", MAC);
        m.put("ip_address", "10.0.0.42");
        return r;
    }

    static ConversionRequest parse(ObjectNode json) throws Exception {
        return RequestParser.parse(JSON.writeValueAsString(json).getBytes(StandardCharsets.UTF_8)).request();
    }

    static PlanContext context(ConversionRequest request, Path tmp) throws IOException {
        WrapperSettings settings = new WrapperSettings(Path.of("/usr/bin/virt-v2v"), tmp.resolve("run"),
                tmp.resolve("log"), tmp.resolve("vddk"), tmp.resolve("ca.pem"));
        return new PlanContext(request, settings, SecretStore.create(tmp.resolve("run")),
                V2vCapabilities.parse("virt-v2v\nmac-option"), new Cleanup(), false);
    }

    static OspTimeouts fastTimeouts() {
        return new OspTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(10),
                Duration.ofMinutes(1), Clock.systemUTC(), OspTimeouts.THREAD_SLEEP);
    }

    static Map<String, String> v2vMetadata(String guestId, int index) {
        return Map.of("virt_v2v_guest_id", guestId, "virt_v2v_disk_index", Integer.toString(index));
    }
}
