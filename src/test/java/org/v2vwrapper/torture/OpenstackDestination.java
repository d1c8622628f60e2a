package org.v2vwrapper.torture;

import org.v2vwrapper.e2e.Scenario;
import org.v2vwrapper.output.osp.fake.FakeOpenStack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cold conversion to the fake OpenStack: the fake virt-v2v creates iteration {@code i}'s volume (tagged with the
 * iteration's guest id) and names it in its log, then succeeds, so that kills also land in the OpenStack work after
 * it (transfer, port, instance). After the final run only its own instance, port and volume may exist.
 */
public final class OpenstackDestination implements TortureDestination {
    static final String CONVERSION = "c0nversi0nc0nversi0nc0nversi0n00";
    static final String DEST = "d3st1nati0nd3st1nati0nd3st1nat00";
    static final String HOST = "5143dba7-c8ac-4230-ac9a-dbd21788f209";
    static final String FLAVOR = "a96b2815-3525-4eea-9ab4-14ba58e17835";
    static final String SG = "d5366f19-c34f-493c-a816-b305085c8fae";
    static final String NET = "0f4a6d6e-3b0c-4b8e-9d55-6c7f3d1a2b01";
    static final String PASSWORD = "hunter2-Tortur3";

    private final FakeOpenStack cloud;

    public OpenstackDestination() throws IOException {
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

    static String guest(int i) {
        return "7d0c3b0e-0000-4000-8000-%012d".formatted(i);
    }

    static String volume(int i) {
        return "eeeeeeee-0000-4000-8000-%012d".formatted(i);
    }

    static String name(int i) {
        return "t" + i;
    }

    @Override
    public String name() {
        return "openstack";
    }

    @Override
    public int lastExitCode() {
        return 0;
    }

    @Override
    public String request(Path dir) {
        return request(dir, 0);
    }

    @Override
    public String request(Path dir, int i) {
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
                                       "mac_address": "%s"}]}
                """.formatted(name(i), cloud.authUrl(), PASSWORD, FakeOpenStack.REGION, DEST, FLAVOR, SG, HOST,
                guest(i), "00:50:56:a6:%02x:%02x".formatted((i >> 8) & 0xff, i & 0xff));
    }

    @Override
    public Scenario scenario(int i) {
        String control = cloud.baseUrl() + FakeOpenStack.CONTROL;
        return new Scenario().out("[   0.0] Setting up the source: -i libvirt -ic esx://root@esxi.example.com win7")
                .sleep(0.2).child()
                .out("[  10.0] Copying disk 1/1")
                .add("http-post " + control + "volumes?id=" + volume(i) + "&project=" + CONVERSION + "&guest_id="
                        + guest(i) + "&index=1")
                .err("openstack --os-interface=public volume show -f json " + volume(i))
                .errCr(Scenario.progressBar(40)).sleep(0.5).err(Scenario.progressBar(100))
                .err("openstack --os-interface=public volume set --description 'win7 disk' --property virt_v2v_disk_index=1/1"
                        + " --property virt_v2v_guest_id=" + guest(i) + " " + volume(i))
                .out("[  20.0] Finishing off").exit(0);
    }

    /** Iteration {@code i}'s volume made and named, then virt-v2v copies for {@code seconds} (to be killed). */
    public Scenario longCopy(int i, double seconds) {
        String control = cloud.baseUrl() + FakeOpenStack.CONTROL;
        return new Scenario().out("[   0.0] Setting up the source: -i libvirt -ic esx://root@esxi.example.com win7")
                .child()
                .out("[  10.0] Copying disk 1/1")
                .add("http-post " + control + "volumes?id=" + volume(i) + "&project=" + CONVERSION + "&guest_id="
                        + guest(i) + "&index=1")
                .err("openstack --os-interface=public volume show -f json " + volume(i))
                .errCr(Scenario.progressBar(10)).sleep(seconds).exit(0);
    }

    /** Whether iteration {@code i}'s volume is still on the fake (and not being deleted). */
    public boolean volumeLeft(int i) {
        return cloud.volume(volume(i)).filter(v -> !"deleting".equals(v.status)).isPresent();
    }

    @Override
    public List<String> remoteLeftovers(int iterations, java.util.Set<Integer> completed) {
        List<String> left = new ArrayList<>();
        for (int i = 0; i < iterations; i++) {
            if (completed.contains(i)) {
                continue;
            }
            cloud.volume(volume(i)).filter(v -> !"deleting".equals(v.status)).ifPresent(v -> left.add("volume " + v.id));
        }
        java.util.Set<String> results = new java.util.HashSet<>();
        results.add(name(iterations));
        completed.forEach(i -> results.add(name(i)));
        cloud.servers(DEST).stream().filter(s -> !results.contains(s.name) && !"DELETED".equalsIgnoreCase(s.status))
                .forEach(s -> left.add("instance " + s.id + " (" + s.name + ")"));
        cloud.ports(DEST).stream().filter(p -> p.name == null || !results.contains(p.name.replaceAll("-port-\\d+$", "")))
                .forEach(p -> left.add("port " + p.id + " (" + p.name + ")"));
        return left;
    }

    @Override
    public void close() {
        cloud.close();
    }
}
