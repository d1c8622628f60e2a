package org.v2vwrapper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.request.RequestParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.request.RequestFixtures.JSON;
import static org.v2vwrapper.request.RequestFixtures.mapping;

/**
 * Every invalid request is refused the same way, in-process through the real command line: exit 1, one line on
 * stderr naming the key, nothing on stdout, a final state file that says so, and no secret anywhere.
 */
class InvalidRequestCliTest {

    /** How many cases the table holds; a guard against cases silently disappearing. */
    static final int MIN_CASES = 75;

    static Stream<Arguments> invalidRequests() {
        List<Arguments> cases = new ArrayList<>();
        Supplier<ObjectNode> vddkRhv = RequestFixtures::vddkToRhv;
        Supplier<ObjectNode> sshRhv = RequestFixtures::sshToRhv;
        Supplier<ObjectNode> vddkOsp = RequestFixtures::vddkToOpenstack;
        Supplier<ObjectNode> sshOsp = RequestFixtures::sshToOpenstack;
        Supplier<ObjectNode> twoPhase = RequestFixtures::twoPhaseVddkToRhv;
        Supplier<ObjectNode> ospOsp = RequestFixtures::openstackToOpenstack;
        Supplier<ObjectNode> disk = () -> RequestFixtures.diskToLocal("/var/tmp/disk.img");
        Supplier<ObjectNode> vddkOnly = RequestFixtures::vddkSource;
        String valid = RequestFixtures.text(RequestFixtures.vddkToRhv());

        // --- the document itself ---
        raw(cases, "empty input", "input", "");
        raw(cases, "whitespace-only input", "input", " \n\t \r\n");
        raw(cases, "a JSON array", "input", "[" + valid + "]");
        raw(cases, "a JSON string", "input", "\"" + RequestFixtures.VMWARE_PASSWORD + "\"");
        raw(cases, "a JSON number", "input", "42");
        raw(cases, "JSON null", "input", "null");
        raw(cases, "JSON true", "input", "true");
        cases.add(Arguments.of("input over 1 MiB", oversized(), "input"));
        cases.add(Arguments.of("invalid UTF-8 in a value", invalidUtf8(), "input"));
        raw(cases, "duplicate top-level key", "vm_name",
                "{\"vm_name\": \"a\", \"vm_name\": \"b\"," + valid.substring(1));
        raw(cases, "duplicate secret key", "vmware_password",
                valid.replaceFirst("\\{", "{\"vmware_password\": \"" + RequestFixtures.VMWARE_PASSWORD + "2\","));
        mutate(cases, "duplicate key inside a network mapping", "network_mappings[0].source", vddkRhv,
                n -> n.putArray("network_mappings").add(mapping("VM Network", "ovirtmgmt", null)),
                s -> s.replace("\"source\" : \"VM Network\"", "\"source\" : \"VM Network\", \"source\" : \"x\""));
        raw(cases, "trailing garbage after the object", "input", valid + " xyz");
        raw(cases, "a second object after the first", "input", valid + " {}");
        raw(cases, "malformed: unquoted secret value", "input",
                valid.replace("\"" + RequestFixtures.VMWARE_PASSWORD + "\"", RequestFixtures.VMWARE_PASSWORD));
        raw(cases, "malformed: missing comma after a secret", "input",
                valid.replace("\"" + RequestFixtures.VMWARE_PASSWORD + "\",", "\"" + RequestFixtures.VMWARE_PASSWORD + "\" "));
        raw(cases, "malformed: truncated inside a secret", "input",
                valid.substring(0, valid.indexOf(RequestFixtures.VMWARE_PASSWORD) + 10));
        raw(cases, "malformed: raw newline inside a secret string", "input",
                valid.replace(RequestFixtures.VMWARE_PASSWORD, "S3cr3t-vmware\nXYZ"));
        raw(cases, "nested deeper than the parser allows", "input",
                "{\"vm_uuid\": " + "[".repeat(2000) + "]".repeat(2000) + "}");

        // --- general keys ---
        mutate(cases, "vm_name missing", "vm_name", vddkRhv, n -> n.remove("vm_name"));
        mutate(cases, "vm_name empty", "vm_name", vddkRhv, n -> n.put("vm_name", ""));
        mutate(cases, "vm_name a number", "vm_name", vddkRhv, n -> n.put("vm_name", 42));
        mutate(cases, "vm_name starts with a dash (would be an option)", "vm_name", vddkRhv,
                n -> n.put("vm_name", "-o"));
        mutate(cases, "vm_name with a newline", "vm_name", vddkRhv, n -> n.put("vm_name", "web\n01"));
        mutate(cases, "transport_method missing", "transport_method", vddkRhv, n -> n.remove("transport_method"));
        mutate(cases, "transport_method unknown", "transport_method", vddkRhv, n -> n.put("transport_method", "nfs"));
        mutate(cases, "transport_method in capitals", "transport_method", vddkRhv,
                n -> n.put("transport_method", "VDDK"));
        mutate(cases, "transport_method a list", "transport_method", vddkRhv,
                n -> n.putArray("transport_method").add("vddk"));
        mutate(cases, "output_format vmdk", "output_format", vddkRhv, n -> n.put("output_format", "vmdk"));
        mutate(cases, "output_format a number", "output_format", vddkRhv, n -> n.put("output_format", 2));
        mutate(cases, "allocation thin", "allocation", vddkRhv, n -> n.put("allocation", "thin"));
        mutate(cases, "allocation a boolean", "allocation", vddkRhv, n -> n.put("allocation", true));

        // --- vddk ---
        mutate(cases, "vddk without vmware_uri", "vmware_uri", vddkRhv, n -> n.remove("vmware_uri"));
        mutate(cases, "vddk without vmware_password", "vmware_password", vddkRhv, n -> n.remove("vmware_password"));
        mutate(cases, "vddk with an empty vmware_password", "vmware_password", vddkRhv,
                n -> n.put("vmware_password", ""));
        mutate(cases, "vmware_password a number", "vmware_password", vddkRhv, n -> n.put("vmware_password", 1234));
        mutate(cases, "vddk without vmware_fingerprint", "vmware_fingerprint", vddkRhv,
                n -> n.remove("vmware_fingerprint"));
        mutate(cases, "vmware_fingerprint not hex pairs", "vmware_fingerprint", vddkRhv,
                n -> n.put("vmware_fingerprint", "not-a-thumbprint"));
        mutate(cases, "vddk with an ssh:// vmware_uri", "vmware_uri", vddkRhv,
                n -> n.put("vmware_uri", RequestFixtures.SSH_URI));

        // --- ssh ---
        mutate(cases, "ssh without vmware_uri", "vmware_uri", sshRhv, n -> n.remove("vmware_uri"));
        mutate(cases, "ssh with an esx:// vmware_uri", "vmware_uri", sshRhv,
                n -> n.put("vmware_uri", RequestFixtures.VDDK_URI));
        mutate(cases, "ssh_key a number", "ssh_key", sshRhv, n -> n.put("ssh_key", 7));
        mutate(cases, "ssh_key a list", "ssh_key", sshRhv, n -> n.putArray("ssh_key").add(RequestFixtures.SSH_KEY));

        // --- disk (extension) ---
        mutate(cases, "disk without source_disks", "source_disks", disk, n -> n.remove("source_disks"));
        mutate(cases, "disk with a relative source disk", "source_disks[0]", disk,
                n -> n.putArray("source_disks").add("disk.img"));
        mutate(cases, "local_output_dir relative", "local_output_dir", disk, n -> n.put("local_output_dir", "out"));

        // --- choice of output ---
        mutate(cases, "no output keys at all", "rhv_url", vddkOnly, n -> { });
        mutate(cases, "rhv_url and osp_environment together", "rhv_url", vddkOsp,
                RequestFixtures::withRhv);
        mutate(cases, "osp_environment and local_output_dir together", "osp_environment", vddkOsp,
                n -> n.put("local_output_dir", "/var/tmp/out"));

        // --- oVirt ---
        mutate(cases, "rhv without rhv_password", "rhv_password", vddkRhv, n -> n.remove("rhv_password"));
        mutate(cases, "rhv without rhv_cluster", "rhv_cluster", vddkRhv, n -> n.remove("rhv_cluster"));
        mutate(cases, "rhv without rhv_storage", "rhv_storage", vddkRhv, n -> n.remove("rhv_storage"));
        mutate(cases, "rhv_url not http(s)", "rhv_url", vddkRhv, n -> n.put("rhv_url", "ftp://engine/api"));
        mutate(cases, "rhv_url without a host", "rhv_url", vddkRhv, n -> n.put("rhv_url", "https:///ovirt-engine/api"));
        mutate(cases, "rhv_password without rhv_url", "rhv_password", vddkOsp,
                n -> n.put("rhv_password", RequestFixtures.RHV_PASSWORD));
        mutate(cases, "rhv_debug without rhv_url", "rhv_debug", vddkOsp, n -> n.put("rhv_debug", true));

        // --- OpenStack ---
        mutate(cases, "osp without osp_destination_project_id", "osp_destination_project_id", vddkOsp,
                n -> n.remove("osp_destination_project_id"));
        mutate(cases, "osp without osp_flavor_id", "osp_flavor_id", vddkOsp, n -> n.remove("osp_flavor_id"));
        mutate(cases, "osp without security groups", "osp_security_groups_ids", vddkOsp,
                n -> n.remove("osp_security_groups_ids"));
        mutate(cases, "osp without osp_server_id", "osp_server_id", vddkOsp, n -> n.remove("osp_server_id"));
        mutate(cases, "osp_environment a string", "osp_environment", vddkOsp,
                n -> n.put("osp_environment", "OS_PASSWORD=" + RequestFixtures.OS_PASSWORD));
        mutate(cases, "osp_environment empty", "osp_environment", vddkOsp, n -> n.putObject("osp_environment"));
        mutate(cases, "osp_environment key without os- prefix", "osp_environment.auth_url", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("auth_url", "https://k/v3"));
        mutate(cases, "osp_environment key with a look-alike prefix", "osp_environment.osx_region", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("osx_region", "r1"));
        mutate(cases, "osp_environment without an auth URL", "osp_environment.os-auth_url", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).remove("os-auth_url"));
        mutate(cases, "osp_environment value an object", "osp_environment.os-region_name", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).putObject("os-region_name"));
        mutate(cases, "osp_environment names one variable twice", "osp_environment.OS_AUTH_URL", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("OS_AUTH_URL", "https://other/v3"));
        mutate(cases, "osp_security_groups_ids a string", "osp_security_groups_ids", vddkOsp,
                n -> n.put("osp_security_groups_ids", "d5366f19-c34f-493c-a816-b305085c8fae"));
        mutate(cases, "osp_security_group_ids (other spelling) a string", "osp_security_group_ids", vddkOsp,
                n -> {
                    n.remove("osp_security_groups_ids");
                    n.put("osp_security_group_ids", "d5366f19");
                });
        mutate(cases, "both security group spellings with different lists", "osp_security_group_ids", vddkOsp,
                n -> n.putArray("osp_security_group_ids").add("another-group"));
        mutate(cases, "security group id a number", "osp_security_groups_ids[0]", vddkOsp,
                n -> n.putArray("osp_security_groups_ids").add(5));
        mutate(cases, "osp_flavor_id without osp_environment", "osp_flavor_id", vddkRhv,
                n -> n.put("osp_flavor_id", "m1.small"));
        mutate(cases, "OpenStack mapping without mac_address", "network_mappings[0].mac_address", vddkOsp,
                n -> n.putArray("network_mappings").add(mapping("VM Network", "private", null)));

        // --- network mappings ---
        mutate(cases, "network_mappings an object", "network_mappings", vddkRhv,
                n -> n.putObject("network_mappings").put("source", "a"));
        mutate(cases, "network_mappings a string", "network_mappings", vddkRhv,
                n -> n.put("network_mappings", "VM Network:ovirtmgmt"));
        mutate(cases, "network mapping a string", "network_mappings[0]", vddkRhv,
                n -> n.putArray("network_mappings").add("VM Network"));
        mutate(cases, "network mapping without source", "network_mappings[0].source", vddkRhv,
                n -> n.putArray("network_mappings").add(mapping("x", "ovirtmgmt", null).without("source")));
        mutate(cases, "second network mapping without destination", "network_mappings[1].destination", vddkRhv,
                n -> n.putArray("network_mappings").add(mapping("a", "b", null))
                        .add(mapping("c", "d", null).without("destination")));
        mutate(cases, "mac_address malformed", "network_mappings[0].mac_address", vddkRhv,
                n -> n.putArray("network_mappings").add(mapping("a", "b", "00:50:56:a6:ee")));
        mutate(cases, "ip_address not an IP", "network_mappings[0].ip_address", vddkOsp,
                n -> n.putArray("network_mappings").add(mapping("a", "b", "00:50:56:a6:ee:58").put("ip_address", "300.1.1.1")));
        mutate(cases, "ip_address a host name", "network_mappings[0].ip_address", vddkOsp,
                n -> n.putArray("network_mappings").add(mapping("a", "b", "00:50:56:a6:ee:58")
                        .put("ip_address", "gateway.example.com")));
        mutate(cases, "ip_address a bad IPv6", "network_mappings[0].ip_address", vddkOsp,
                n -> n.putArray("network_mappings").add(mapping("a", "b", "00:50:56:a6:ee:58")
                        .put("ip_address", "fe80::1::2")));
        mutate(cases, "ip_address a number", "network_mappings[0].ip_address", vddkOsp,
                n -> n.putArray("network_mappings").add(mapping("a", "b", "00:50:56:a6:ee:58").put("ip_address", 10)));

        // --- two-phase and warm ---
        mutate(cases, "warm with two_phase false", "warm", twoPhase, n -> {
            n.put("warm", true);
            n.put("two_phase", false);
        });
        mutate(cases, "two_phase without conversion_host_uuid", "conversion_host_uuid", twoPhase,
                n -> n.remove("conversion_host_uuid"));
        mutate(cases, "warm (implies two_phase) without conversion_host_uuid", "conversion_host_uuid", vddkRhv,
                n -> n.put("warm", true));
        mutate(cases, "warm with ssh transport", "warm", sshRhv, n -> {
            n.put("warm", true);
            n.put("conversion_host_uuid", RequestFixtures.HOST_UUID);
        });
        mutate(cases, "conversion_host_uuid not a UUID", "conversion_host_uuid", twoPhase,
                n -> n.put("conversion_host_uuid", "conversion-host-1"));
        mutate(cases, "two_phase a string", "two_phase", twoPhase, n -> n.put("two_phase", "true"));
        mutate(cases, "iteration_seconds without warm", "iteration_seconds", twoPhase,
                n -> n.put("iteration_seconds", 60));
        mutate(cases, "iteration_seconds negative", "iteration_seconds", twoPhase, n -> {
            n.put("warm", true);
            n.put("iteration_seconds", -1);
        });
        mutate(cases, "iteration_seconds a string", "iteration_seconds", twoPhase, n -> {
            n.put("warm", true);
            n.put("iteration_seconds", "60");
        });

        // --- booleans and lists of the wrong type ---
        mutate(cases, "insecure_connection a string", "insecure_connection", vddkRhv,
                n -> n.put("insecure_connection", "true"));
        mutate(cases, "install_drivers a number", "install_drivers", vddkRhv, n -> n.put("install_drivers", 1));
        mutate(cases, "daemonize a string", "daemonize", vddkRhv, n -> n.put("daemonize", "yes"));
        mutate(cases, "nbd_export_only a list", "nbd_export_only", vddkRhv,
                n -> n.putArray("nbd_export_only").add(true));
        mutate(cases, "source_disks a string", "source_disks", vddkRhv,
                n -> n.put("source_disks", "[datastore1] web01/web01.vmdk"));
        mutate(cases, "source_disks with a number", "source_disks[0]", vddkRhv,
                n -> n.putArray("source_disks").add(1));
        mutate(cases, "source_disks with an empty string", "source_disks[0]", vddkRhv,
                n -> n.putArray("source_disks").add(""));
        mutate(cases, "luks_keys_vault a number", "luks_keys_vault", vddkRhv, n -> n.put("luks_keys_vault", 0));

        // --- OpenStack to OpenStack ---
        mutate(cases, "osp_source_environment without OpenStack output", "osp_source_environment", sshRhv,
                n -> n.set("osp_source_environment", RequestFixtures.openstackToOpenstack().get("osp_source_environment")));
        mutate(cases, "OpenStack to OpenStack over vddk", "transport_method", ospOsp,
                n -> n.put("transport_method", "vddk"));
        mutate(cases, "osp_source_environment without password", "osp_source_environment.password", ospOsp,
                n -> ((ObjectNode) n.get("osp_source_environment")).remove("password"));
        mutate(cases, "osp_source_environment without vm_id", "osp_source_environment.vm_id", ospOsp,
                n -> ((ObjectNode) n.get("osp_source_environment")).remove("vm_id"));
        mutate(cases, "osp_source_environment with an unknown key", "osp_source_environment.region", ospOsp,
                n -> ((ObjectNode) n.get("osp_source_environment")).put("region", "r1"));
        mutate(cases, "osp_source_environment.verify a string", "osp_source_environment.verify", ospOsp,
                n -> ((ObjectNode) n.get("osp_source_environment")).put("verify", "false"));
        mutate(cases, "osp_source_environment a list", "osp_source_environment", ospOsp,
                n -> n.putArray("osp_source_environment"));

        // --- text no file name, argument or environment entry can hold (issue 17): refused naming the key ---
        String secretWithNul = RequestFixtures.SECRET_MARK + "-client\u0000secret-XYZ";
        mutate(cases, "secret osp_environment value with a NUL", "osp_environment.OS_CLIENT_SECRET", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("OS_CLIENT_SECRET", secretWithNul));
        mutate(cases, "osp_environment name with '='", "osp_environment.os_region=name", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("os_region=name", "r1"));
        mutate(cases, "osp_environment name with a NUL", "osp_environment.os_reg\\u0000ion", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("os_reg\u0000ion", "r1"));
        mutate(cases, "osp_environment name with a newline", "osp_environment.os_reg\\u000Aion", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("os_reg\nion", "r1"));
        mutate(cases, "osp_source_environment password with a NUL", "osp_source_environment.password", ospOsp,
                n -> ((ObjectNode) n.get("osp_source_environment")).put("password",
                        RequestFixtures.OSP_SOURCE_PASSWORD + "\u0000"));
        mutate(cases, "vmware_password with a NUL", "vmware_password", vddkRhv,
                n -> n.put("vmware_password", RequestFixtures.VMWARE_PASSWORD + "\u0000"));
        mutate(cases, "local_output_dir with a NUL", "local_output_dir", disk,
                n -> n.put("local_output_dir", "/var/tmp/o\u0000ut"));
        mutate(cases, "local_output_dir with a lone surrogate", "local_output_dir", disk,
                n -> n.put("local_output_dir", "/var/tmp/LONE"), t -> t.replace("LONE", "\\ud800"));
        mutate(cases, "luks_keys_vault with a NUL", "luks_keys_vault", vddkRhv,
                n -> n.put("luks_keys_vault", "/root/.v2v\u0000/luks"));
        mutate(cases, "luks_keys_vault with a lone low surrogate", "luks_keys_vault", vddkRhv,
                n -> n.put("luks_keys_vault", "/root/LONE"), t -> t.replace("LONE", "\\udc00x"));
        mutate(cases, "source_disks[1] with a NUL", "source_disks[1]", disk,
                n -> n.putArray("source_disks").add("/var/tmp/a.img").add("/var/tmp/b\u0000.img"));
        mutate(cases, "vm_name with a lone surrogate", "vm_name", vddkRhv,
                n -> n.put("vm_name", "webLONE"), t -> t.replace("LONE", "\\ud83d"));
        mutate(cases, "unknown key whose name holds a NUL", "vm\\u0000uuid", vddkRhv,
                n -> n.put("vm\u0000uuid", "x"));
        mutate(cases, "unknown key's value with a NUL", "vm_uuid", vddkRhv, n -> n.put("vm_uuid", "a\u0000b"));
        mutate(cases, "network mapping source with a NUL", "network_mappings[0].source", vddkRhv,
                n -> n.putArray("network_mappings").add(mapping("VM\u0000Network", "ovirtmgmt", null)));
        mutate(cases, "key with an ANSI escape and U+2028 (escaped when named)",
                "osp_environment.osx_\\u001B[31m\\u2028x", vddkOsp,
                n -> ((ObjectNode) n.get("osp_environment")).put("osx_\u001b[31m\u2028x", "r1"));
        return cases.stream();
    }

    @Test
    void theTableCoversAtLeastSixtyInvalidRequests() {
        assertTrue(invalidRequests().count() >= MIN_CASES, "cases: " + invalidRequests().count());
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("invalidRequests")
    void refusesTheRequestNamingTheKeyAndLeakingNoSecret(String description, byte[] input, String key,
                                                          @TempDir Path tmp) throws IOException {
        Path runDir = tmp.resolve("run");
        InProcess.Result r = InProcess.run(input, "--run-dir=" + runDir, "--log-dir=" + tmp.resolve("log"),
                "--virt-v2v=/nonexistent/virt-v2v");

        assertEquals(1, r.exitCode(), "exit code; stderr: " + r.stderr());
        assertEquals("", r.stdout(), "stdout");
        List<String> errLines = r.stderr().lines().toList();
        assertEquals(1, errLines.size(), "stderr must be one line: " + r.stderr());
        assertTrue(errLines.get(0).startsWith("v2v-wrapper: invalid request: " + key + ":"),
                "stderr must name " + key + ": " + errLines.get(0));
        assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), "stack trace: " + r.stderr());

        Path wrapperLog = tmp.resolve("log").resolve("virt-v2v-wrapper.log");
        assertTrue(Files.readString(wrapperLog).contains("invalid request: " + key + ":"),
                "the wrapper log records the refusal (and is among the files checked for secrets below)");

        assertNoSecret("stdout", r.stdout());
        assertNoSecret("stderr", r.stderr());
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertNoSecret(f.toString(), new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
            }
        }

        JsonNode state = JSON.readTree(runDir.resolve("state.json").toFile());
        assertTrue(state.path("finished").asBoolean(false), "finished: " + state);
        assertTrue(state.path("failed").asBoolean(false), "failed: " + state);
        assertEquals("error", state.path("last_message").path("type").asText(), state.toString());
        assertTrue(state.path("last_message").path("message").asText().startsWith("invalid request: " + key + ":"),
                "last_message: " + state);
        try (Stream<Path> all = Files.walk(tmp)) {
            assertEquals(List.of(), all.filter(p -> p.getFileName().toString().startsWith("secrets")).toList(),
                    "secret directories left behind");
        }
    }

    private static void assertNoSecret(String where, String text) {
        assertFalse(text.contains(RequestFixtures.SECRET_MARK), where + " contains a secret: " + text);
        for (String secret : RequestFixtures.SECRETS) {
            assertFalse(text.contains(secret), where + " contains " + secret);
        }
        assertFalse(text.contains("S3cr3t-vmware"), where + " contains part of a secret");
    }

    private static void raw(List<Arguments> cases, String description, String key, String text) {
        cases.add(Arguments.of(description, text.getBytes(StandardCharsets.UTF_8), key));
    }

    private static void mutate(List<Arguments> cases, String description, String key, Supplier<ObjectNode> base,
                               Consumer<ObjectNode> change) {
        mutate(cases, description, key, base, change, s -> s);
    }

    private static void mutate(List<Arguments> cases, String description, String key, Supplier<ObjectNode> base,
                               Consumer<ObjectNode> change, java.util.function.UnaryOperator<String> edit) {
        ObjectNode n = base.get();
        change.accept(n);
        raw(cases, description, key, edit.apply(RequestFixtures.text(n)));
    }

    /** A valid request padded past the limit, secrets first so that a leak would show. */
    private static byte[] oversized() {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("padding", "x".repeat(RequestParser.MAX_INPUT_BYTES));
        return RequestFixtures.text(n).getBytes(StandardCharsets.UTF_8);
    }

    /** A valid request whose vm_name holds a byte sequence that is not UTF-8. */
    private static byte[] invalidUtf8() {
        byte[] text = RequestFixtures.text(RequestFixtures.vddkToRhv()).getBytes(StandardCharsets.UTF_8);
        String s = new String(text, StandardCharsets.ISO_8859_1).replace("\"web01\"", "\"web\u00c3\u002801\"");
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
