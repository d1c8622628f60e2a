package org.v2vwrapper.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Valid requests for every mode, with distinctive secret values (all containing {@link #SECRET_MARK}) so that a
 * test can look for any of them in output, files and exception messages. Each method returns a fresh object
 * that the caller may change.
 */
public final class RequestFixtures {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** Every secret below contains this; nothing else does. */
    public static final String SECRET_MARK = "S3cr3t";
    public static final String VMWARE_PASSWORD = "S3cr3t-vmware-XYZ";
    public static final String RHV_PASSWORD = "S3cr3t-rhv-XYZ";
    public static final String OS_PASSWORD = "S3cr3t-osp-XYZ";
    public static final String OSP_SOURCE_PASSWORD = "S3cr3t-ospsource-XYZ";
    public static final String SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nS3cr3t-sshkey-XYZ\n"
            + "-----END OPENSSH PRIVATE KEY-----\n";
    public static final List<String> SECRETS = List.of(VMWARE_PASSWORD, RHV_PASSWORD, OS_PASSWORD,
            OSP_SOURCE_PASSWORD, SSH_KEY);

    public static final String FINGERPRINT = "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C";
    public static final String VDDK_URI = "esx://root@10.2.0.20?no_verify=1";
    public static final String SSH_URI = "ssh://root@10.2.0.20/vmfs/volumes/datastore1/web01/web01.vmx";
    public static final String HOST_UUID = "0b5b8f1e-8b1a-4d7e-9a43-2f6c1e0c9a11";

    private RequestFixtures() {
    }

    public static ObjectNode vddkSource() {
        ObjectNode n = JSON.createObjectNode();
        n.put("vm_name", "web01");
        n.put("transport_method", "vddk");
        n.put("vmware_uri", VDDK_URI);
        n.put("vmware_password", VMWARE_PASSWORD);
        n.put("vmware_fingerprint", FINGERPRINT);
        return n;
    }

    public static ObjectNode sshSource() {
        ObjectNode n = JSON.createObjectNode();
        n.put("vm_name", "web01");
        n.put("transport_method", "ssh");
        n.put("vmware_uri", SSH_URI);
        n.put("ssh_key", SSH_KEY);
        return n;
    }

    public static ObjectNode withRhv(ObjectNode n) {
        n.put("rhv_url", "https://engine.example.com/ovirt-engine/api");
        n.put("rhv_password", RHV_PASSWORD);
        n.put("rhv_cluster", "Default");
        n.put("rhv_storage", "data");
        return n;
    }

    public static ObjectNode withOpenstack(ObjectNode n) {
        ObjectNode env = n.putObject("osp_environment");
        env.put("os-auth_url", "https://keystone.example.com:13000/v3");
        env.put("os-username", "conversion");
        env.put("os-password", OS_PASSWORD);
        env.put("os-project_name", "conversion-host-project");
        env.put("os-user_domain_name", "Default");
        env.put("os-project_domain_name", "Default");
        n.put("osp_destination_project_id", "46deadaba9234ed4bef28caa459bdd16");
        n.put("osp_flavor_id", "a96b2815-3525-4eea-9ab4-14ba58e17835");
        n.putArray("osp_security_groups_ids").add("d5366f19-c34f-493c-a816-b305085c8fae");
        n.put("osp_server_id", "b9ca0b1b-0eba-45c4-8c0b-4f27457b72be");
        return n;
    }

    public static ObjectNode vddkToRhv() {
        return withRhv(vddkSource());
    }

    public static ObjectNode sshToRhv() {
        return withRhv(sshSource());
    }

    public static ObjectNode vddkToOpenstack() {
        return withOpenstack(vddkSource());
    }

    public static ObjectNode sshToOpenstack() {
        return withOpenstack(sshSource());
    }

    public static ObjectNode twoPhaseVddkToRhv() {
        ObjectNode n = vddkToRhv();
        n.put("two_phase", true);
        n.put("conversion_host_uuid", HOST_UUID);
        return n;
    }

    public static ObjectNode openstackToOpenstack() {
        ObjectNode n = JSON.createObjectNode();
        n.put("vm_name", "migration-vm");
        n.put("transport_method", "ssh");
        withOpenstack(n);
        n.put("ssh_key", SSH_KEY);
        ObjectNode src = n.putObject("osp_source_environment");
        src.put("auth_url", "https://source-keystone.example.com:5000/v3");
        src.put("username", "source-user");
        src.put("password", OSP_SOURCE_PASSWORD);
        src.put("project_name", "migration-source");
        src.put("user_domain_name", "Default");
        src.put("project_domain_name", "Default");
        src.put("verify", false);
        src.put("vm_id", "c28d5a15-0372-4222-95d3-13055f3c6a9b");
        src.put("conversion_vm_id", "5143dba7-c8ac-4230-ac9a-dbd21788f209");
        return n;
    }

    public static ObjectNode diskToLocal(String... disks) {
        ObjectNode n = JSON.createObjectNode();
        n.put("vm_name", "smoke");
        n.put("transport_method", "disk");
        ArrayNode list = n.putArray("source_disks");
        for (String d : disks) {
            list.add(d);
        }
        n.put("local_output_dir", "/var/tmp/v2v-out");
        return n;
    }

    public static ObjectNode mapping(String source, String destination, String mac) {
        ObjectNode m = JSON.createObjectNode();
        m.put("source", source);
        m.put("destination", destination);
        if (mac != null) {
            m.put("mac_address", mac);
        }
        return m;
    }

    public static String text(ObjectNode n) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static ConversionRequest parse(ObjectNode n) throws InvalidRequestException {
        return RequestParser.parse(text(n).getBytes(StandardCharsets.UTF_8)).request();
    }
}
