package org.v2vwrapper.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.output.Targets;
import org.v2vwrapper.transport.Transports;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.request.RequestFixtures.mapping;

/**
 * The whole virt-v2v argument list and environment for each transport × output and each option, built with a
 * real secret store: secrets appear only as 0600 files in a 0700 directory, gone after close().
 */
class PlanBuilderTest {
    static final String V2V = "/usr/bin/virt-v2v";
    static final String MR = "--machine-readable=file:/var/log/uci/virt-v2v-mr.log";
    static final String LIBDIR = "/opt/vmware-vix-disklib-distrib";
    static final String CA = "/etc/pki/ca-trust/source/anchors/v2v-conversion-host-ca-bundle.pem";
    static final String RHV_URL = "https://engine.example.com/ovirt-engine/api";
    static final List<String> COMMON = List.of(V2V, "-v", "-x", "--root", "first", MR);
    static final V2vCapabilities WITH_MAC = V2vCapabilities.parse("virt-v2v\nvirt-v2v-2.0\nmac-option\n");
    static final V2vCapabilities WITHOUT_MAC = V2vCapabilities.parse("virt-v2v\nvirt-v2v-2.0\n");
    static final Map<String, String> BASE_ENV = Map.of("LANG", "C", "LIBGUESTFS_BACKEND", "direct");

    @TempDir
    Path tmp;
    /** An empty home: no default LUKS vault unless a test writes one. */
    Path home;
    SecretStore secrets;
    Cleanup cleanup;

    @BeforeEach
    void setUp() throws IOException {
        home = Files.createDirectory(tmp.resolve("home"));
        secrets = SecretStore.create(tmp.resolve("run"));
        cleanup = new Cleanup();
    }

    @AfterEach
    void tearDown() throws IOException {
        cleanup.close();
        secrets.close();
    }

    private WrapperSettings settings() {
        return new WrapperSettings(Path.of(V2V), tmp.resolve("run"), Path.of("/var/log/uci"), Path.of(LIBDIR), Path.of(CA));
    }

    private VirtV2vCommand command(ObjectNode request, V2vCapabilities caps) throws Exception {
        ConversionRequest r = RequestFixtures.parse(request);
        PlanContext ctx = new PlanContext(r, settings(), secrets, caps, cleanup, false);
        return PlanBuilder.command(ctx, Transports.forInput(r.transportMethod()), Targets.forDestination(r.destination()).offline(ctx),
                Optional.of(home.toString()));
    }

    private String secretFile(String name) {
        return secrets.directory().resolve(name).toString();
    }

    private static List<String> concat(List<?>... parts) {
        List<String> out = new ArrayList<>();
        for (List<?> p : parts) {
            p.forEach(o -> out.add((String) o));
        }
        return out;
    }

    private List<String> vddkInput() {
        return List.of("web01", "-i", "libvirt", "-ic", RequestFixtures.VDDK_URI, "-it", "vddk",
                "-io", "vddk-libdir=" + LIBDIR, "-io", "vddk-thumbprint=" + RequestFixtures.FINGERPRINT,
                "--password-file", secretFile("vmware_password"));
    }

    private List<String> rhvOutput(String format, List<String> allocation, boolean verifyPeer) {
        return concat(List.of("--bridge", "ovirtmgmt", "-of", format), allocation,
                List.of("-o", "rhv-upload", "-oc", RHV_URL, "-os", "data", "-op", secretFile("rhv_password"),
                        "-oo", "rhv-cafile=" + CA, "-oo", "rhv-cluster=Default", "-oo", "rhv-direct",
                        "-oo", "rhv-verifypeer=" + verifyPeer));
    }

    private void assertSecretFile(String name, String content) throws IOException {
        Path f = secrets.directory().resolve(name);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), name);
        assertEquals(content, Files.readString(f, StandardCharsets.UTF_8), name);
    }

    @Test
    void vddkToRhvWithDefaults() throws Exception {
        VirtV2vCommand c = command(RequestFixtures.vddkToRhv(), WITH_MAC);
        assertEquals(concat(COMMON, vddkInput(), rhvOutput("raw", List.of(), true)), c.argv());
        assertEquals(BASE_ENV, c.environment());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secrets.directory())));
        assertSecretFile("vmware_password", RequestFixtures.VMWARE_PASSWORD);
        assertSecretFile("rhv_password", RequestFixtures.RHV_PASSWORD);
        try (var files = Files.list(secrets.directory())) {
            assertEquals(2, files.count(), "only the two password files");
        }
        assertNoSecretIn(c);

        Path dir = secrets.directory();
        secrets.close();
        assertFalse(Files.exists(dir), "secret directory removed by close()");
    }

    @Test
    void vddkToRhvWithQcow2PreallocatedInsecureAndMacMappings() throws Exception {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("output_format", "qcow2");
        n.put("allocation", "preallocated");
        n.put("insecure_connection", true);
        n.putArray("network_mappings")
                .add(mapping("VM Network", "ovirtmgmt", "00:50:56:A6:EE:58"))
                .add(mapping("Backup", "backup-net", null));
        VirtV2vCommand c = command(n, WITH_MAC);
        assertEquals(concat(COMMON, vddkInput(),
                List.of("--mac", "00:50:56:a6:ee:58:bridge:ovirtmgmt", "--bridge", "Backup:backup-net"),
                rhvOutput("qcow2", List.of("-oa", "preallocated"), false)), c.argv());
    }

    @Test
    void sparseAllocationIsPassedOn() throws Exception {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("allocation", "sparse");
        assertEquals(concat(COMMON, vddkInput(), rhvOutput("raw", List.of("-oa", "sparse"), true)),
                command(n, WITH_MAC).argv());
    }

    @Test
    void macMappingsFallBackToBridgeWhenVirtV2vLacksTheMacOption() throws Exception {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.putArray("network_mappings").add(mapping("VM Network", "ovirtmgmt", "00:50:56:a6:ee:58"));
        assertEquals(concat(COMMON, vddkInput(), List.of("--bridge", "VM Network:ovirtmgmt"),
                rhvOutput("raw", List.of(), true)), command(n, WITHOUT_MAC).argv());
    }

    @Test
    void vddkToOpenstackWithEverything() throws Exception {
        ObjectNode n = RequestFixtures.vddkToOpenstack();
        n.put("osp_guest_id", "7f0c2f4e-8d7b-4f3e-9a8e-1c2d3e4f5a6b");
        n.put("osp_volume_type_id", "ceph-ssd");
        n.put("insecure_connection", true);
        n.put("output_format", "qcow2");
        n.putArray("network_mappings").add(mapping("VM Network", "private", "00:50:56:a6:ee:58"));
        VirtV2vCommand c = command(n, WITH_MAC);
        assertEquals(concat(COMMON, vddkInput(), List.of("--mac", "00:50:56:a6:ee:58:bridge:private",
                "-o", "openstack", "-oo", "server-id=b9ca0b1b-0eba-45c4-8c0b-4f27457b72be",
                "-oo", "guest-id=7f0c2f4e-8d7b-4f3e-9a8e-1c2d3e4f5a6b", "-os", "ceph-ssd",
                "-oo", "verify-server-certificate=false")), c.argv());
        assertEquals(Map.of("LANG", "C", "LIBGUESTFS_BACKEND", "direct",
                "OS_AUTH_URL", "https://keystone.example.com:13000/v3", "OS_USERNAME", "conversion",
                "OS_PASSWORD", RequestFixtures.OS_PASSWORD, "OS_PROJECT_NAME", "conversion-host-project",
                "OS_USER_DOMAIN_NAME", "Default", "OS_PROJECT_DOMAIN_NAME", "Default"), c.environment());
        assertEquals("*****", c.redactedEnvironment().get("OS_PASSWORD"));
        assertFalse(c.describe().contains(RequestFixtures.OS_PASSWORD), c.describe());
        assertSecretFile("vmware_password", RequestFixtures.VMWARE_PASSWORD);
    }

    @Test
    void openstackMappingsWithoutMacOptionUseBridge() throws Exception {
        ObjectNode n = RequestFixtures.vddkToOpenstack();
        n.put("osp_guest_id", "g");
        n.putArray("network_mappings").add(mapping("VM Network", "private", "00:50:56:a6:ee:58"));
        assertEquals(concat(COMMON, vddkInput(), List.of("--bridge", "VM Network:private",
                "-o", "openstack", "-oo", "server-id=b9ca0b1b-0eba-45c4-8c0b-4f27457b72be", "-oo", "guest-id=g")),
                command(n, WITHOUT_MAC).argv());
    }

    @Test
    void openstackWithoutGuestIdGetsAFreshUuid() throws Exception {
        List<String> argv = command(RequestFixtures.vddkToOpenstack(), WITH_MAC).argv();
        String guest = argv.get(argv.size() - 1);
        assertTrue(guest.matches("guest-id=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), guest);
        assertEquals(concat(COMMON, vddkInput(), List.of("-o", "openstack",
                "-oo", "server-id=b9ca0b1b-0eba-45c4-8c0b-4f27457b72be", "-oo", guest)), argv);
    }

    @Test
    void diskToLocal() throws Exception {
        Path disk = Files.writeString(tmp.resolve("disk.img"), "not really a disk");
        ObjectNode n = RequestFixtures.diskToLocal(disk.toString());
        n.put("output_format", "qcow2");
        VirtV2vCommand c = command(n, WITH_MAC);
        assertEquals(concat(COMMON, List.of("-i", "disk", disk.toString(), "-on", "smoke",
                "-o", "local", "-os", "/var/tmp/v2v-out", "-of", "qcow2")), c.argv());
        assertEquals(BASE_ENV, c.environment());
        try (var files = Files.list(secrets.directory())) {
            assertEquals(0, files.count(), "the disk transport needs no secret");
        }
    }

    @Test
    void diskToLocalRefusesAMissingDisk() {
        ObjectNode n = RequestFixtures.diskToLocal(tmp.resolve("missing.img").toString());
        ConversionException e = assertThrows(ConversionException.class, () -> command(n, WITH_MAC));
        assertEquals("source_disks[0]: " + tmp.resolve("missing.img") + " is not a readable file", e.getMessage());
    }

    @Test
    void luksKeysFromTheRequestedVaultBecomeKeyFiles() throws Exception {
        Path vault = writeVault(tmp.resolve("vault.json"), """
                {"web01": [{"device": "/dev/sda1", "key": "S3cr3t-luks-1"}, {"device": "/dev/sdb2", "key": "S3cr3t-luks-2"}],
                 "other": [{"device": "/dev/sda1", "key": "S3cr3t-other"}]}""");
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("luks_keys_vault", vault.toString());
        VirtV2vCommand c = command(n, WITH_MAC);
        assertEquals(concat(COMMON, vddkInput(),
                List.of("--key", "/dev/sda1:file:" + secretFile("luks_key_0"),
                        "--key", "/dev/sdb2:file:" + secretFile("luks_key_1")),
                rhvOutput("raw", List.of(), true)), c.argv());
        assertSecretFile("luks_key_0", "S3cr3t-luks-1");
        assertSecretFile("luks_key_1", "S3cr3t-luks-2");
        assertFalse(String.join(" ", c.argv()).contains("S3cr3t"));
    }

    @Test
    void theDefaultVaultInHomeIsUsedWhenTheRequestNamesNone() throws Exception {
        writeVault(home.resolve(".v2v_luks_keys_vault.json"), """
                {"web01": [{"device": "/dev/sda1", "key": "S3cr3t-home"}]}""");
        VirtV2vCommand c = command(RequestFixtures.vddkToRhv(), WITH_MAC);
        assertEquals(concat(COMMON, vddkInput(), List.of("--key", "/dev/sda1:file:" + secretFile("luks_key_0")),
                rhvOutput("raw", List.of(), true)), c.argv());
        assertSecretFile("luks_key_0", "S3cr3t-home");
    }

    @Test
    void aVaultWithoutThisVmAddsNoKeys() throws Exception {
        writeVault(home.resolve(".v2v_luks_keys_vault.json"), """
                {"other": [{"device": "/dev/sda1", "key": "S3cr3t-other"}]}""");
        assertEquals(concat(COMMON, vddkInput(), rhvOutput("raw", List.of(), true)),
                command(RequestFixtures.vddkToRhv(), WITH_MAC).argv());
    }

    @Test
    void installDriversPointsVirtioWinAtTheNewestIso() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("virtio-win"));
        Files.createFile(dir.resolve("virtio-win-0.1.229.iso"));
        Files.createFile(dir.resolve("virtio-win-0.1.240.iso"));
        Files.createFile(dir.resolve("README"));
        assertEquals(dir.resolve("virtio-win-0.1.240.iso"), PlanBuilder.virtioWin(dir));
    }

    @Test
    void installDriversUsesTheDirectoryWhenItHoldsNoIso() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("drivers"));
        assertEquals(dir, PlanBuilder.virtioWin(dir));
    }

    @Test
    void installDriversFailsClearlyWithoutDrivers() {
        ConversionException e = assertThrows(ConversionException.class,
                () -> PlanBuilder.virtioWin(tmp.resolve("none")));
        assertTrue(e.getMessage().startsWith("install_drivers: no Windows drivers found"), e.getMessage());
    }

    @Test
    void describeQuotesArgumentsAndHidesSecretEnvironment() {
        VirtV2vCommand c = new VirtV2vCommand(List.of("virt-v2v", "-ic", "esx://h?no_verify=1", "a b", "it's"),
                new java.util.LinkedHashMap<>(Map.of("OS_PASSWORD", "S3cr3t-x")));
        assertEquals("OS_PASSWORD='*****' virt-v2v -ic 'esx://h?no_verify=1' 'a b' 'it'\\''s'", c.describe());
    }

    private static Path writeVault(Path file, String json) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, json);
    }

    private static void assertNoSecretIn(VirtV2vCommand c) {
        for (String a : c.argv()) {
            assertFalse(a.contains(RequestFixtures.SECRET_MARK), "secret on argv: " + a);
        }
        assertFalse(c.describe().contains(RequestFixtures.SECRET_MARK), c.describe());
    }
}
