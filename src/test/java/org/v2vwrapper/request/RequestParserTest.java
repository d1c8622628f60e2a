package org.v2vwrapper.request;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.request.RequestFixtures.mapping;

/** What a valid request turns into: defaults, normalisations, accepted spellings, ignored keys. */
class RequestParserTest {

    private static RequestParser.Parsed parsed(ObjectNode n) throws InvalidRequestException {
        return RequestParser.parse(RequestFixtures.text(n).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void unknownKeysAreAcceptedAndReported() throws Exception {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("vm_uuid", "42179a4b-6d5e-4c6f-9a38-0c2e4e6b1a7d");
        n.putObject("extra_settings").put("anything", 1);
        RequestParser.Parsed p = parsed(n);
        assertEquals(List.of("vm_uuid", "extra_settings"), p.unknownKeys());
        assertEquals("web01", p.request().vmName());
    }

    @Test
    void aRequestWithOnlyKnownKeysReportsNoUnknownKeys() throws Exception {
        assertEquals(List.of(), parsed(RequestFixtures.vddkToRhv()).unknownKeys());
    }

    @Test
    void optionalKeysTakeTheirDocumentedDefaults() throws Exception {
        ConversionRequest r = RequestFixtures.parse(RequestFixtures.vddkToRhv());
        assertEquals(OutputFormat.RAW, r.outputFormat());
        assertEquals(TransportMethod.VDDK, r.transportMethod());
        assertEquals(Optional.empty(), r.allocation());
        assertFalse(r.insecureConnection());
        assertFalse(r.installDrivers());
        assertFalse(r.twoPhase());
        assertFalse(r.warm());
        assertFalse(r.daemonize());
        assertFalse(r.nbdExportOnly());
        assertEquals(List.of(), r.sourceDisks());
        assertEquals(List.of(), r.networkMappings());
        assertEquals(Optional.empty(), r.luksKeysVault());
        assertFalse(r.rhv().orElseThrow().debug());
        assertTrue(r.osp().isEmpty());
        assertTrue(r.localOutputDir().isEmpty());
    }

    @Test
    void explicitValuesAreKept() throws Exception {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("output_format", "qcow2");
        n.put("allocation", "preallocated");
        n.put("insecure_connection", true);
        n.put("install_drivers", true);
        n.put("luks_keys_vault", "/root/vault.json");
        n.putArray("source_disks").add("[datastore1] web01/web01.vmdk");
        ConversionRequest r = RequestFixtures.parse(n);
        assertEquals(OutputFormat.QCOW2, r.outputFormat());
        assertEquals(Optional.of(Allocation.PREALLOCATED), r.allocation());
        assertTrue(r.insecureConnection());
        assertTrue(r.installDrivers());
        assertEquals(Optional.of(Path.of("/root/vault.json")), r.luksKeysVault());
        assertEquals(List.of("[datastore1] web01/web01.vmdk"), r.sourceDisks());
    }

    @Test
    void warmImpliesTwoPhase() throws Exception {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("warm", true);
        n.put("conversion_host_uuid", RequestFixtures.HOST_UUID);
        ConversionRequest r = RequestFixtures.parse(n);
        assertTrue(r.warm());
        assertTrue(r.twoPhase());
    }

    @Test
    void ospEnvironmentKeysOfAnySpellingBecomeOsVariables() throws Exception {
        ObjectNode n = RequestFixtures.vddkToOpenstack();
        ObjectNode env = n.putObject("osp_environment");
        env.put("os-auth_url", "https://k/v3");
        env.put("os_username", "u");
        env.put("OS_PASSWORD", RequestFixtures.OS_PASSWORD);
        env.put("Os-Project-Name", "p");
        env.put("OS_IDENTITY_API_VERSION", 3);
        env.put("os-insecure", true);
        OspEnvironment e = RequestFixtures.parse(n).osp().orElseThrow().environment();
        assertEquals(Map.of("OS_AUTH_URL", "https://k/v3", "OS_USERNAME", "u", "OS_PASSWORD", RequestFixtures.OS_PASSWORD,
                "OS_PROJECT_NAME", "p", "OS_IDENTITY_API_VERSION", "3", "OS_INSECURE", "true"), e.variables());
        assertFalse(e.toString().contains(RequestFixtures.OS_PASSWORD), e.toString());
    }

    @Test
    void bothSecurityGroupSpellingsAreAccepted() throws Exception {
        ObjectNode n = RequestFixtures.vddkToOpenstack();
        n.remove("osp_security_groups_ids");
        n.putArray("osp_security_group_ids").add("g1").add("g2");
        assertEquals(List.of("g1", "g2"), RequestFixtures.parse(n).osp().orElseThrow().securityGroupIds());

        n.putArray("osp_security_groups_ids").add("g1").add("g2");
        assertEquals(List.of("g1", "g2"), RequestFixtures.parse(n).osp().orElseThrow().securityGroupIds(),
                "the same list under both spellings is fine");
    }

    @Test
    void anEmptySecurityGroupListIsValid() throws Exception {
        ObjectNode n = RequestFixtures.vddkToOpenstack();
        n.putArray("osp_security_groups_ids");
        assertEquals(List.of(), RequestFixtures.parse(n).osp().orElseThrow().securityGroupIds());
    }

    @Test
    void networkMappingsKeepOrderLowerCaseTheMacAndAcceptIpv4AndIpv6() throws Exception {
        ObjectNode n = RequestFixtures.vddkToOpenstack();
        n.putArray("network_mappings")
                .add(mapping("VM Network", "private", "00:50:56:A6:EE:58").put("ip_address", "192.0.2.10"))
                .add(mapping("DMZ", "public", "00:50:56:a6:ee:59").put("ip_address", "2001:db8::1"));
        assertEquals(List.of(
                        new NetworkMapping("VM Network", "private", Optional.of("00:50:56:a6:ee:58"), Optional.of("192.0.2.10")),
                        new NetworkMapping("DMZ", "public", Optional.of("00:50:56:a6:ee:59"), Optional.of("2001:db8::1"))),
                RequestFixtures.parse(n).networkMappings());
    }

    @Test
    void rhvMappingsNeedNoMacAddress() throws Exception {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.putArray("network_mappings").add(mapping("VM Network", "ovirtmgmt", null));
        assertEquals(List.of(new NetworkMapping("VM Network", "ovirtmgmt", Optional.empty(), Optional.empty())),
                RequestFixtures.parse(n).networkMappings());
    }

    @Test
    void sshNeedsNoPasswordFingerprintOrKey() throws Exception {
        ObjectNode n = RequestFixtures.sshToRhv();
        n.remove("ssh_key");
        ConversionRequest r = RequestFixtures.parse(n);
        assertEquals(TransportMethod.SSH, r.transportMethod());
        assertTrue(r.sshKey().isEmpty());
        assertTrue(r.vmwarePassword().isEmpty());
    }

    @Test
    void openstackToOpenstackNeedsNoVmwareKeys() throws Exception {
        ConversionRequest r = RequestFixtures.parse(RequestFixtures.openstackToOpenstack());
        assertTrue(r.isOpenstackToOpenstack());
        OspSourceEnvironment src = r.ospSource().orElseThrow();
        assertEquals("c28d5a15-0372-4222-95d3-13055f3c6a9b", src.vmId());
        assertFalse(src.verify());
        assertEquals(RequestFixtures.OSP_SOURCE_PASSWORD, src.password().reveal());
    }

    @Test
    void theRequestsStringFormHidesEverySecret() throws Exception {
        for (ObjectNode n : List.of(RequestFixtures.vddkToRhv(), RequestFixtures.sshToOpenstack(),
                RequestFixtures.openstackToOpenstack())) {
            String s = RequestFixtures.parse(n).toString();
            assertFalse(s.contains(RequestFixtures.SECRET_MARK), s);
            assertTrue(s.contains(Secret.REDACTED), s);
        }
    }

    @Test
    void errorsNameTheKeyFirstAndNeverTheValue() {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.put("rhv_password", 12345);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> RequestFixtures.parse(n));
        assertEquals("rhv_password", e.key());
        assertEquals("rhv_password: must be a string, not a number", e.getMessage());
    }

    @Test
    void throttlingIsTheInitialLimitsAndUnlimitedWithoutIt() throws Exception {
        assertEquals(org.v2vwrapper.throttle.limits.Limits.UNLIMITED,
                RequestFixtures.parse(RequestFixtures.vddkToRhv()).throttling());
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.putObject("throttling").put("cpu", "50%").put("network", "1048576");
        var limits = RequestFixtures.parse(n).throttling();
        assertEquals(java.util.OptionalLong.of(50), limits.cpuPercent());
        assertEquals(java.util.OptionalLong.of(1048576), limits.networkBytesPerSecond());
        ObjectNode onlyCpu = RequestFixtures.vddkToRhv();
        onlyCpu.putObject("throttling").put("cpu", "250%");
        assertEquals(java.util.OptionalLong.empty(), RequestFixtures.parse(onlyCpu).throttling().networkBytesPerSecond());
        assertEquals(List.of(), parsed(onlyCpu).unknownKeys());
    }

    @Test
    void aBadThrottlingValueIsARequestErrorNamingTheKey() {
        ObjectNode n = RequestFixtures.vddkToRhv();
        n.putObject("throttling").put("cpu", "50");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> RequestFixtures.parse(n));
        assertEquals("throttling.cpu", e.key());
        assertTrue(e.getMessage().startsWith("throttling.cpu: must be"), e.getMessage());
        assertFalse(e.getMessage().contains("\"50\""), e.getMessage());
        ObjectNode notObject = RequestFixtures.vddkToRhv();
        notObject.put("throttling", "50%");
        InvalidRequestException e2 = assertThrows(InvalidRequestException.class,
                () -> RequestFixtures.parse(notObject));
        assertEquals("throttling: must be an object, not a string", e2.getMessage());
    }
}
