package org.v2vwrapper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.OspEnvironment;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.request.TransportMethod;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.request.RequestFixtures.JSON;

/**
 * Every file in examples/ is a valid request, and {@code --dry-run --input} prints the expected plan without any
 * of its secrets. virt-v2v is not installed here, so the dry run uses its virt-v2v 2.2 fallback capabilities.
 */
class ExamplesTest {
    static final String CA = "/etc/pki/ca-trust/source/anchors/v2v-conversion-host-ca-bundle.pem";
    static final String RUN_DIR = "/var/lib/uci";
    /** The examples that carry {@code throttling}: transport-output → "cpu …, network …" in force at the start. */
    static final Map<String, String> THROTTLING = Map.of("ssh-rhv", "50%, network 10485760");
    static final String[] OPTIONS = {"--virt-v2v=/nonexistent/virt-v2v", "--run-dir=" + RUN_DIR, "--log-dir=/var/log/uci",
            "--vddk-libdir=/opt/vmware-vix-disklib-distrib", "--ca-bundle=" + CA};
    static final String COMMON = "/nonexistent/virt-v2v -v -x --root first --machine-readable=file:/var/log/uci/virt-v2v-mr.log";
    static final String FP = "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C";
    static final String RHV_OUT = "-o rhv-upload -oc https://engine.example.com/ovirt-engine/api -os data -op '<rhv_password>'"
            + " -oo rhv-cafile=" + CA + " -oo rhv-cluster=Default -oo rhv-direct";
    static final String VDDK_IN = "-it vddk -io vddk-libdir=/opt/vmware-vix-disklib-distrib -io vddk-thumbprint=" + FP
            + " --password-file '<vmware_password>'";
    static final String OSP_ENV = "OS_AUTH_URL=https://keystone.example.com:13000/v3 OS_USERNAME=conversion "
            + "OS_PASSWORD='*****' OS_PROJECT_NAME=conversion-host-project OS_USER_DOMAIN_NAME=Default "
            + "OS_PROJECT_DOMAIN_NAME=Default";

    /** The dry-run output expected for each example (guest-id=<uuid> stands for a fresh random UUID). */
    static final Map<String, String> EXPECTED = Map.of(
            "vddk-to-rhv.json", "# transport vddk, output rhv\n"
                    + "LANG=C LIBGUESTFS_BACKEND=direct " + COMMON
                    + " web01 -i libvirt -ic 'esx://root@esxi01.example.com?no_verify=1' " + VDDK_IN
                    + " --bridge 'VM Network:ovirtmgmt' --bridge Backup:backup --bridge ovirtmgmt -of raw -oa sparse "
                    + RHV_OUT + " -oo rhv-verifypeer=true\n",
            "ssh-to-rhv.json", "# transport ssh, output rhv\n"
                    + "LANG=C LIBGUESTFS_BACKEND=direct SSH_AUTH_SOCK='<ssh-agent socket>' " + COMMON
                    + " ssh://root@esxi01.example.com/vmfs/volumes/datastore1/web02/web02.vmx -i vmx -it ssh"
                    + " --mac 00:50:56:a6:ee:58:bridge:ovirtmgmt --bridge ovirtmgmt -of qcow2 "
                    + RHV_OUT + " -oo rhv-verifypeer=false\n",
            "vddk-to-openstack.json", "# transport vddk, output openstack\n"
                    + "LANG=C LIBGUESTFS_BACKEND=direct " + OSP_ENV + " OS_REGION_NAME=regionOne OS_IDENTITY_API_VERSION=3 "
                    + COMMON + " db01 -i libvirt -ic 'vpx://administrator%40vsphere.local@vcenter.example.com/Datacenter/"
                    + "cluster1/esxi01.example.com?no_verify=1' " + VDDK_IN
                    + " --mac 00:50:56:a6:ee:58:bridge:private -o openstack"
                    + " -oo server-id=b9ca0b1b-0eba-45c4-8c0b-4f27457b72be -oo guest-id=<uuid>"
                    + " -oo verify-server-certificate=false\n",
            "ssh-to-openstack.json", "# transport ssh, output openstack\n"
                    + "LANG=C LIBGUESTFS_BACKEND=direct SSH_AUTH_SOCK='<ssh-agent socket>' " + OSP_ENV + " " + COMMON
                    + " ssh://root@esxi01.example.com/vmfs/volumes/datastore1/db02/db02.vmx -i vmx -it ssh"
                    + " --mac 00:50:56:a6:ee:59:bridge:private -o openstack"
                    + " -oo server-id=b9ca0b1b-0eba-45c4-8c0b-4f27457b72be"
                    + " -oo guest-id=7f0c2f4e-8d7b-4f3e-9a8e-1c2d3e4f5a6b -os ceph-ssd\n",
            "two-phase-vddk-to-rhv.json", "# transport vddk, output rhv, two-phase (warm): the disks are copied by"
                    + " nbdkit and the wrapper, then converted\n",
            "two-phase-vddk-to-local.json", "# transport vddk, output local, two-phase (warm): the disks are copied by"
                    + " nbdkit and the wrapper, then converted\n",
            "openstack-to-openstack.json", "# transport ssh (OpenStack to OpenStack), output openstack: volumes are "
                    + "copied between conversion hosts, virt-v2v does not run\n",
            "openstack-to-openstack-nbdkit.json", "# transport ssh (OpenStack to OpenStack), output openstack: "
                    + "volumes are copied between conversion hosts, virt-v2v does not run\n");

    /** The itinerary the dry run prints after the command (issue 10): the cold steps, or why the mode cannot run. */
    static String itinerary(String transport, String output) {
        return "# itinerary (cold):\n"
                + "#   1. Checking virt-v2v (1 min): /nonexistent/virt-v2v --machine-readable"
                + (transport.equals("disk") ? "" : "; --help (for --bandwidth-file)") + "\n"
                + "#   2. Checking the destination (10 min): " + output + " (not contacted in a dry run)\n"
                + "#   3. Building the virt-v2v command (2 min): transport " + transport + ", output " + output + "\n"
                + "#   4. Starting virt-v2v (no timeout): the virt-v2v command above, started through the launch "
                + "prefix /bin/sh -c '<join the run's cgroup>' <run cgroup>/cgroup.procs (where a writable cgroup "
                + "exists); " + (transport.equals("disk") ? "no --bandwidth-file (input disk is not read over the "
                + "network)" : "--bandwidth-file " + RUN_DIR + "/bandwidth added where virt-v2v --help lists it")
                + "; limits cpu " + THROTTLING.getOrDefault(transport + "-" + output, "unlimited, network unlimited")
                + ", changed through " + RUN_DIR + "/limits.json\n"
                + "#   5. Finishing (30 min): " + output + "\n";
    }

    static final Map<String, String> ITINERARY = Map.of(
            "vddk-to-rhv.json", itinerary("vddk", "rhv"),
            "ssh-to-rhv.json", itinerary("ssh", "rhv"),
            "vddk-to-openstack.json", itinerary("vddk", "openstack"),
            "ssh-to-openstack.json", itinerary("ssh", "openstack"),
            "two-phase-vddk-to-rhv.json", "# itinerary (two-phase (warm)):\n"
                    + "#   1. Checking virt-v2v (1 min): /nonexistent/virt-v2v --machine-readable; virt-v2v 2.x:"
                    + " /usr/libexec/virt-v2v-in-place and /usr/bin/virt-v2v-inspector; 1.4x: /usr/bin/qemu-img\n"
                    + "#   2. Preparing (15 min): check nbdkit vddk --dump-plugin; vSphere https://esxi01.example.com/sdk"
                    + " (no_verify: certificate not checked), VM \"app01\" found once, change tracking on, destination disks"
                    + " app01_Disk<N>: oVirt disks in rhv_storage attached to conversion_host_uuid, found under"
                    + " /dev/disk/by-id/virtio-<id[:20]>; per disk and copy: nbdkit --exit-with-parent --readonly"
                    + " --foreground -U <socket> -P <pidfile> [--filter=retry] [--filter=cacheextents] vddk"
                    + " libdir=/opt/vmware-vix-disklib-distrib server=esxi01.example.com user=root password=+<secret file>"
                    + " vm=moref=<VM moref> snapshot=<snapshot moref> transports=file:nbdssl:nbd file=<disk file in the"
                    + " snapshot>\n"
                    + "#   3. Pre-copy (no timeout): every 3600 s or on copy_trigger (paused while pause_operations"
                    + " exists) until cutover; then the VM is shut down (powered off after 5 min) and the final copy made"
                    + " from a final snapshot; on virt-v2v 2.x the first wait also runs virt-v2v-inspector on the"
                    + " copies (the cutover then skips it)\n"
                    + "#   4. Writing the conversion XML (2 min): /var/lib/uci/two-phase-XXXXXX/conversion.xml (0600, in"
                    + " the wrapper log too): domain app01 with the memory, vCPUs, firmware and NICs (MAC, port group)"
                    + " vSphere reports, its disks in the source's order as raw the /dev/disk/by-id device of each"
                    + " destination disk\n"
                    + "#   5. Converting the guest (no timeout): LANG=C LIBGUESTFS_BACKEND=direct"
                    + " /usr/libexec/virt-v2v-in-place -v -x --root first"
                    + " --machine-readable=file:/var/log/uci/virt-v2v-mr.log -i libvirtxml"
                    + " /var/lib/uci/two-phase-XXXXXX/conversion.xml\n"
                    + "#   6. Inspecting the converted guest (30 min): LANG=C LIBGUESTFS_BACKEND=direct"
                    + " /usr/bin/virt-v2v-inspector -v -x --root first -i libvirtxml"
                    + " /var/lib/uci/two-phase-XXXXXX/conversion.xml -O /var/lib/uci/two-phase-XXXXXX/inspection.xml\n"
                    + "#   7. Committing the overlays (120 min): skipped: virt-v2v 2.x converts in place\n"
                    + "#   8. Creating the VM (30 min): detach the disks from the conversion host VM, create the VM on the"
                    + " oVirt engine (OS type, firmware, NICs with the source MACs, disks bootable first), check it\n",
            "two-phase-vddk-to-local.json", "# itinerary (two-phase (warm)):\n"
                    + "#   1. Checking virt-v2v (1 min): /nonexistent/virt-v2v --machine-readable; virt-v2v 2.x:"
                    + " /usr/libexec/virt-v2v-in-place and /usr/bin/virt-v2v-inspector; 1.4x: /usr/bin/qemu-img\n"
                    + "#   2. Preparing (15 min): check nbdkit vddk --dump-plugin; vSphere https://vcenter.example.com/sdk"
                    + " (thumbprint pinned), VM \"web01\" found once, change tracking on, destination disks"
                    + " /var/tmp/v2v-wrapper-out/web01-sd<a,b,…> (raw, sparse); per disk and copy: nbdkit"
                    + " --exit-with-parent --readonly --foreground -U <socket> -P <pidfile> [--filter=retry]"
                    + " [--filter=cacheextents] vddk libdir=/opt/vmware-vix-disklib-distrib server=vcenter.example.com"
                    + " user=administrator@vsphere.local password=+<secret file> thumbprint=" + FP + " vm=moref=<VM moref>"
                    + " snapshot=<snapshot moref> transports=file:nbdssl:nbd file=<disk file in the snapshot>\n"
                    + "#   3. Pre-copy (no timeout): every 1800 s or on copy_trigger (paused while pause_operations"
                    + " exists) until cutover; then the VM is shut down (powered off after 5 min) and the final copy made"
                    + " from a final snapshot; on virt-v2v 2.x the first wait also runs virt-v2v-inspector on the"
                    + " copies (the cutover then skips it)\n"
                    + "#   4. Writing the conversion XML (2 min): /var/lib/uci/two-phase-XXXXXX/conversion.xml (0600, in"
                    + " the wrapper log too): domain web01 with the memory, vCPUs, firmware and NICs (MAC, port group)"
                    + " vSphere reports, its disks in the source's order as raw /var/tmp/v2v-wrapper-out/web01-sda,"
                    + " /var/tmp/v2v-wrapper-out/web01-sdb\n"
                    + "#   5. Converting the guest (no timeout): LANG=C LIBGUESTFS_BACKEND=direct"
                    + " /usr/libexec/virt-v2v-in-place -v -x --root first"
                    + " --machine-readable=file:/var/log/uci/virt-v2v-mr.log -i libvirtxml"
                    + " /var/lib/uci/two-phase-XXXXXX/conversion.xml\n"
                    + "#   6. Inspecting the converted guest (30 min): LANG=C LIBGUESTFS_BACKEND=direct"
                    + " /usr/bin/virt-v2v-inspector -v -x --root first -i libvirtxml"
                    + " /var/lib/uci/two-phase-XXXXXX/conversion.xml -O /var/lib/uci/two-phase-XXXXXX/inspection.xml\n"
                    + "#   7. Committing the overlays (120 min): skipped: virt-v2v 2.x converts in place\n"
                    + "#   8. Creating the VM (30 min): libvirt domain XML /var/tmp/v2v-wrapper-out/<vm_name>.xml beside"
                    + " the converted disks\n",
            "openstack-to-openstack.json", "# itinerary (openstack-to-openstack):\n"
                    + "#   1. Checking the clouds (10 min): log in to https://source-keystone.example.com:5000/v3 and the destination; source VM c28d5a15-0372-4222-95d3-13055f3c6a9b, conversion hosts 5143dba7-c8ac-4230-ac9a-dbd21788f209 and b9ca0b1b-0eba-45c4-8c0b-4f27457b72be; ssh echo to the source conversion host\n"
                    + "#   2. Shutting down the source VM (25 min): os-stop, wait for SHUTOFF (600 s)\n"
                    + "#   3. Listing the source volumes (15 min): every attached volume\n"
                    + "#   4. Copying the root volume (40 min): snapshot and volume rhosp-migration-<volume id> (boot from volume) or image and volume rhosp-migration-root-<vm name> (image-booted)\n"
                    + "#   5. Detaching the data volumes (40 min)\n"
                    + "#   6. Attaching volumes to the source conversion host (40 min): under /var/lock/v2v-source-volume-lock\n"
                    + "#   7. Exporting (15 min): sudo podman run … v2v-conversion-host (nbd_export_only), ssh -L tunnels from 127.0.0.1 only\n"
                    + "#   8. Creating the destination volumes (25 min): same names, sizes, bootable flags and descriptions\n"
                    + "#   9. Attaching volumes to the destination conversion host (40 min): to b9ca0b1b-0eba-45c4-8c0b-4f27457b72be under /var/lock/v2v-destination-volume-lock\n"
                    + "#   10. Copying disks (no timeout): Copying disk N/M: NBD through the tunnel → the attached device\n"
                    + "#   11. Detaching volumes from the destination conversion host (40 min)\n"
                    + "#   12. Restoring the source VM (40 min): exports stopped, volumes detached, root copy deleted, data volumes re-attached (the VM stays off)\n"
                    + "#   13. Creating instance (40 min): transfer to 46deadaba9234ed4bef28caa459bdd16, ports, instance with flavor a96b2815-3525-4eea-9ab4-14ba58e17835\n",
            "openstack-to-openstack-nbdkit.json", "# itinerary (openstack-to-openstack):\n"
                    + "#   1. Checking the clouds (10 min): log in to https://source-keystone.example.com:5000/v3 and the destination; source VM c28d5a15-0372-4222-95d3-13055f3c6a9b, conversion hosts 5143dba7-c8ac-4230-ac9a-dbd21788f209 and b9ca0b1b-0eba-45c4-8c0b-4f27457b72be; ssh echo to the source conversion host\n"
                    + "#   2. Shutting down the source VM (25 min): os-stop, wait for SHUTOFF (600 s)\n"
                    + "#   3. Listing the source volumes (15 min): every attached volume\n"
                    + "#   4. Copying the root volume (40 min): snapshot and volume rhosp-migration-<volume id> (boot from volume) or image and volume rhosp-migration-root-<vm name> (image-booted)\n"
                    + "#   5. Detaching the data volumes (40 min)\n"
                    + "#   6. Attaching volumes to the source conversion host (40 min): under /var/lock/v2v-source-volume-lock\n"
                    + "#   7. Exporting (15 min): nbdkit --readonly -U <socket> over ssh, ssh -L tunnels from 127.0.0.1 only\n"
                    + "#   8. Creating the destination volumes (25 min): same names, sizes, bootable flags and descriptions\n"
                    + "#   9. Attaching volumes to the destination conversion host (40 min): to b9ca0b1b-0eba-45c4-8c0b-4f27457b72be under /var/lock/v2v-destination-volume-lock\n"
                    + "#   10. Copying disks (no timeout): Copying disk N/M: NBD through the tunnel → the attached device\n"
                    + "#   11. Detaching volumes from the destination conversion host (40 min)\n"
                    + "#   12. Restoring the source VM (40 min): exports stopped, volumes detached, root copy deleted, data volumes re-attached (the VM stays off)\n"
                    + "#   13. Creating instance (40 min): transfer to 46deadaba9234ed4bef28caa459bdd16, ports, instance with flavor a96b2815-3525-4eea-9ab4-14ba58e17835\n");

    static final Path DISK_EXAMPLE_IMAGE = Path.of("/var/tmp/v2v-wrapper-smoke/smoke.img");

    static Path projectRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("pom.xml"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "no pom.xml above " + System.getProperty("user.dir"));
        return dir;
    }

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(projectRoot().resolve("examples"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @Test
    void thereIsOneExamplePerMode() throws IOException {
        assertEquals(List.of("disk-to-local.json", "openstack-to-openstack-nbdkit.json", "openstack-to-openstack.json",
                        "ssh-to-openstack.json", "ssh-to-rhv.json", "two-phase-vddk-to-local.json",
                        "two-phase-vddk-to-rhv.json", "vddk-to-openstack.json", "vddk-to-rhv.json"),
                examples().map(p -> p.getFileName().toString()).toList());
    }

    /** The secret values in a request: what must never be printed. */
    static List<String> secretValues(JsonNode request) {
        List<String> out = new ArrayList<>();
        for (String key : List.of("vmware_password", "rhv_password", "ssh_key")) {
            if (request.hasNonNull(key)) {
                out.add(request.get(key).asText());
            }
        }
        request.path("osp_environment").fields().forEachRemaining(e -> {
            if (OspEnvironment.isSecretName(e.getKey())) {
                out.add(e.getValue().asText());
            }
        });
        if (request.path("osp_source_environment").hasNonNull("password")) {
            out.add(request.get("osp_source_environment").get("password").asText());
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void isAValidRequestOfItsModeWithOnlyKnownKeysAndFakeSecrets(Path example) throws Exception {
        RequestParser.Parsed parsed = RequestParser.parse(Files.readAllBytes(example));
        assertEquals(List.of(), parsed.unknownKeys(), "examples use only documented keys");
        ConversionRequest r = parsed.request();
        String name = example.getFileName().toString();
        if (name.startsWith("openstack-to-openstack")) {
            assertTrue(r.isOpenstackToOpenstack());
        } else {
            String transport = name.replace("two-phase-", "").split("-to-")[0];
            assertEquals(TransportMethod.valueOf(transport.toUpperCase()), r.transportMethod());
        }
        String output = name.split("-to-")[1].replace(".json", "").replace("-nbdkit", ""); // a variant of the same output
        assertEquals(output.equals("rhv"), r.rhv().isPresent(), output);
        assertEquals(output.equals("openstack"), r.osp().isPresent(), output);
        assertEquals(output.equals("local"), r.localOutputDir().isPresent(), output);
        assertEquals(name.startsWith("two-phase"), r.twoPhase(), name);

        for (String secret : secretValues(JSON.readTree(example.toFile()))) {
            assertTrue(secret.contains("example"), "obviously fake secret in " + name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void dryRunPrintsThePlanAndNoSecret(Path example) throws Exception {
        String name = example.getFileName().toString();
        if (name.equals("disk-to-local.json")) {
            return; // see the two disk tests below
        }
        InProcess.Result r = dryRun(example);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stderr());
        assertEquals(EXPECTED.get(name).replaceFirst("\n$", "\n" + ITINERARY.get(name)), r.stdout().replaceAll(
                "guest-id=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} -oo verify",
                "guest-id=<uuid> -oo verify"));
        assertNoSecretPrinted(example, r);
    }

    /**
     * The disk example names an image under /var/tmp that a smoke test creates; a dry run checks that the local
     * disks are readable, so on a host without it the dry run refuses with exit 1 and a one-line reason.
     */
    @Test
    void diskExampleDryRunNeedsItsImage() throws Exception {
        Path example = projectRoot().resolve("examples/disk-to-local.json");
        InProcess.Result r = dryRun(example);
        if (Files.isReadable(DISK_EXAMPLE_IMAGE)) {
            assertEquals(0, r.exitCode(), r.stderr());
        } else {
            assertEquals(1, r.exitCode());
            assertEquals("", r.stdout());
            assertEquals("v2v-wrapper: source_disks[0]: " + DISK_EXAMPLE_IMAGE + " is not a readable file\n",
                    r.stderr());
        }
    }

    @Test
    void diskExampleDryRunWithAnExistingImage(@TempDir Path tmp) throws Exception {
        Path image = Files.writeString(tmp.resolve("smoke.img"), "image");
        com.fasterxml.jackson.databind.node.ObjectNode n =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(projectRoot().resolve("examples/disk-to-local.json").toFile());
        n.putArray("source_disks").add(image.toString());
        Path copy = Files.writeString(tmp.resolve("disk-to-local.json"), n.toString());
        InProcess.Result r = dryRun(copy);
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("# transport disk, output local\nLANG=C LIBGUESTFS_BACKEND=direct " + COMMON + " -i disk " + image
                + " -on smoke -o local -os /var/tmp/v2v-wrapper-smoke/out -of qcow2\n" + itinerary("disk", "local"),
                r.stdout());
        assertEquals("", r.stderr());
    }

    private static InProcess.Result dryRun(Path example) {
        List<String> args = new ArrayList<>(List.of(OPTIONS));
        args.add("--dry-run");
        args.add("--input=" + example);
        return InProcess.run(new byte[0], args.toArray(String[]::new));
    }

    private static void assertNoSecretPrinted(Path example, InProcess.Result r) throws IOException {
        List<String> secrets = secretValues(JSON.readTree(example.toFile()));
        assertFalse(secrets.isEmpty(), "every non-disk example carries secrets to look for");
        for (String secret : secrets) {
            assertFalse(r.stdout().contains(secret), "stdout shows a secret of " + example);
            assertFalse(r.stderr().contains(secret), "stderr shows a secret of " + example);
        }
        assertFalse(r.stdout().contains("PRIVATE KEY"), "stdout shows the ssh key");
    }
}
