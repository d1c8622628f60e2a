package org.v2vwrapper.output.osp.fake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The OpenStack→OpenStack layout the tests share, on one {@link FakeOpenStack}: a source project with the source
 * conversion host (reached by ssh at {@code hostAddress}), a conversion project with the destination conversion
 * host, a destination project with a flavor and a security group, a user for each side; and the request for it.
 * Each test adds its own VMs and volumes (the ids {@link #VM}, {@link #ROOT} are the usual ones).
 */
public final class Osp2OspLayout {
    public static final String SRC = "5rc0000000000000000000000000000a";
    public static final String CONV = "c0nv000000000000000000000000000b";
    public static final String DEST = "d35t000000000000000000000000000c";
    public static final String VM = "11111111-aaaa-4bbb-8ccc-000000000001";
    public static final String SRC_HOST = "22222222-aaaa-4bbb-8ccc-000000000001";
    public static final String DST_HOST = "33333333-aaaa-4bbb-8ccc-000000000001";
    public static final String ROOT = "44444444-aaaa-4bbb-8ccc-000000000001";
    public static final String FLAVOR = "a96b2815-3525-4eea-9ab4-14ba58e17835";
    public static final String SG = "d5366f19-c34f-493c-a816-b305085c8fae";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeOpenStack fake;
    private final String sourcePassword;
    private final String destinationPassword;

    private Osp2OspLayout(FakeOpenStack fake, String sourcePassword, String destinationPassword) {
        this.fake = fake;
        this.sourcePassword = sourcePassword;
        this.destinationPassword = destinationPassword;
    }

    /** Adds the projects, users, both conversion hosts, the flavor and the group to {@code fake}. */
    public static Osp2OspLayout seed(FakeOpenStack fake, String sourcePassword, String destinationPassword,
                                     String hostAddress) {
        fake.project(SRC, "source", "Default");
        fake.project(CONV, "conversion", "Default");
        fake.project(DEST, "destination", "Default");
        fake.user("src-user", "Default", sourcePassword, SRC);
        fake.user("dst-user", "Default", destinationPassword, CONV, DEST);
        fake.creationPolls(0);
        FakeOpenStack.Server host = fake.addServer(SRC_HOST, SRC, "src-converter");
        host.image = "img-rhel";
        host.accessIPv4 = hostAddress;
        fake.addServer(DST_HOST, CONV, "dst-converter").image = "img-rhel";
        fake.addFlavor(FLAVOR, "m1.small");
        fake.addSecurityGroup(SG, DEST, "default");
        return new Osp2OspLayout(fake, sourcePassword, destinationPassword);
    }

    /**
     * The request migrating {@code vmId} of project {@code sourceProject} (by name) as {@code vmName}, the plain
     * nbdkit export over ssh with {@code sshKey}.
     */
    public ObjectNode request(String vmId, String vmName, String sourceProject, String sshKey) {
        ObjectNode n = JSON.createObjectNode();
        n.put("vm_name", vmName);
        n.put("transport_method", "ssh");
        ObjectNode env = n.putObject("osp_environment");
        env.put("os-auth_url", fake.authUrl());
        env.put("os-username", "dst-user");
        env.put("os-password", destinationPassword);
        env.put("os-project_name", "conversion");
        env.put("os-project_domain_name", "Default");
        env.put("os-user_domain_name", "Default");
        n.put("osp_destination_project_id", DEST);
        n.put("osp_flavor_id", FLAVOR);
        n.putArray("osp_security_groups_ids").add(SG);
        n.put("osp_server_id", DST_HOST);
        ObjectNode src = n.putObject("osp_source_environment");
        src.put("auth_url", fake.authUrl());
        src.put("username", "src-user");
        src.put("password", sourcePassword);
        src.put("project_name", sourceProject);
        src.put("project_domain_name", "Default");
        src.put("user_domain_name", "Default");
        src.put("verify", false);
        src.put("vm_id", vmId);
        src.put("conversion_vm_id", SRC_HOST);
        n.put("osp_source_export", "nbdkit");
        n.put("ssh_key", sshKey);
        return n;
    }
}
