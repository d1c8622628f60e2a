package org.v2vwrapper.output.osp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.openstack4j.api.types.Facing;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.OspEnvironment;

class OspHelpersTest {

    @Test
    void deviceNames() {
        assertEquals("vda", DeviceNames.of(0));
        assertEquals("vdb", DeviceNames.of(1));
        assertEquals("vdz", DeviceNames.of(25));
        assertEquals("vdaa", DeviceNames.of(26));
        assertEquals("vdab", DeviceNames.of(27));
        assertEquals("vdaz", DeviceNames.of(51));
        assertEquals("vdba", DeviceNames.of(52));
        assertEquals("vdzz", DeviceNames.of(701));
        assertEquals("vdaaa", DeviceNames.of(702));
        assertThrows(IllegalArgumentException.class, () -> DeviceNames.of(-1));
    }

    @Test
    void cidrs() {
        Cidr c = Cidr.parse("10.0.0.0/24").orElseThrow();
        assertTrue(c.contains("10.0.0.42"));
        assertTrue(c.contains("10.0.0.255"));
        assertFalse(c.contains("10.0.1.1"));
        assertFalse(c.contains("2001:db8::1"));
        assertTrue(Cidr.parse("10.0.0.0/22").orElseThrow().contains("10.0.3.200"));
        assertFalse(Cidr.parse("10.0.0.0/22").orElseThrow().contains("10.0.4.1"));
        assertTrue(Cidr.parse("0.0.0.0/0").orElseThrow().contains("192.168.1.1"));
        assertTrue(Cidr.parse("2001:db8::/64").orElseThrow().contains("2001:db8::abcd"));
        assertFalse(Cidr.parse("2001:db8::/64").orElseThrow().contains("2001:db9::1"));
        assertTrue(Cidr.parse("10.0.0.0/33").isEmpty());
        assertTrue(Cidr.parse("example.com/24").isEmpty(), "names are never resolved");
        assertTrue(Cidr.parse("10.0.0.0").isEmpty());
        assertFalse(c.contains("example.com"));
    }

    @Test
    void nameRegexEscapesSyntax() {
        assertEquals("vm\\.1", OspValidator.nameRegex("vm.1"));
        assertEquals("a\\(b\\)\\+\\[c\\]\\^\\$\\|\\\\\\*\\?", OspValidator.nameRegex("a(b)+[c]^$|\\*?"));
        assertEquals("x.1.", OspValidator.nameRegex("x{1}"));
        assertTrue(java.util.regex.Pattern.compile("^" + OspValidator.nameRegex("vm (1)+[x]") + "$")
                .matcher("vm (1)+[x]").matches());
    }

    @Test
    void ids() throws ConversionException {
        assertEquals("m1.small", OspIds.require("osp_flavor_id", "m1.small"));
        assertTrue(OspIds.isSafe("a96b2815-3525-4eea-9ab4-14ba58e17835"));
        assertFalse(OspIds.isSafe("m1 small"));
        assertFalse(OspIds.isSafe("x{y}"));
        assertFalse(OspIds.isSafe("../x"));
        assertFalse(OspIds.isSafe(""));
        ConversionException e = assertThrows(ConversionException.class, () -> OspIds.require("osp_flavor_id", "a/b"));
        assertTrue(e.getMessage().startsWith("osp_flavor_id 'a/b'"));
    }

    private static OspEnvironment env(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new OspEnvironment(m);
    }

    @Test
    void credentialsByName() throws ConversionException {
        OspCredentials c = OspCredentials.from(env("OS_AUTH_URL", "https://keystone:13000/v3/", "OS_USERNAME", "u",
                "OS_PASSWORD", "pw-secret", "OS_USER_DOMAIN_NAME", "Default", "OS_PROJECT_NAME", "p",
                "OS_PROJECT_DOMAIN_ID", "default", "OS_REGION_NAME", "regionOne", "OS_INTERFACE", "internal"), true);
        assertEquals("https://keystone:13000/v3", c.authUrl());
        assertEquals(Optional.of("u"), c.user().name());
        assertEquals(Optional.of("Default"), c.user().domainName());
        assertEquals(Optional.of("p"), c.project().name());
        assertEquals(Optional.of("default"), c.project().domainId());
        assertEquals(Optional.of("regionOne"), c.region());
        assertEquals(Facing.INTERNAL, c.facing());
        assertTrue(c.insecure());
        assertFalse(c.toString().contains("pw-secret"), c.toString());
    }

    @Test
    void credentialsByIdAndDefaults() throws ConversionException {
        OspCredentials c = OspCredentials.from(env("OS_AUTH_URL", "http://k:5000", "OS_USER_ID", "uid",
                "OS_PASSWORD", "pw", "OS_PROJECT_ID", "pid", "OS_ENDPOINT_TYPE", "publicURL"), false);
        assertEquals("http://k:5000/v3", c.authUrl());
        assertEquals(Optional.of("uid"), c.user().id());
        assertEquals(Optional.of("pid"), c.project().id());
        assertEquals(Facing.PUBLIC, c.facing());
        assertEquals(Optional.empty(), c.region());

        OspCredentials d = OspCredentials.from(env("OS_AUTH_URL", "http://k:5000/v3", "OS_USERNAME", "u",
                "OS_PASSWORD", "pw", "OS_PROJECT_NAME", "p", "OS_DEFAULT_DOMAIN_ID", "default"), false);
        assertEquals(Optional.of("default"), d.user().domainId());
        assertEquals(Optional.of("default"), d.project().domainId());
    }

    @Test
    void credentialsRefused() {
        assertRefused("OS_INTERFACE", env("OS_AUTH_URL", "http://k/v3", "OS_USERNAME", "u", "OS_PASSWORD", "p",
                "OS_USER_DOMAIN_NAME", "D", "OS_PROJECT_ID", "x", "OS_INTERFACE", "pubLick"));
        assertRefused("OS_PASSWORD", env("OS_AUTH_URL", "http://k/v3", "OS_USERNAME", "u",
                "OS_USER_DOMAIN_NAME", "D", "OS_PROJECT_ID", "x"));
        assertRefused("OS_USER_DOMAIN", env("OS_AUTH_URL", "http://k/v3", "OS_USERNAME", "u", "OS_PASSWORD", "p",
                "OS_PROJECT_ID", "x"));
        assertRefused("OS_PROJECT_NAME or OS_PROJECT_ID", env("OS_AUTH_URL", "http://k/v3", "OS_USER_ID", "u",
                "OS_PASSWORD", "p"));
        assertRefused("Keystone v2", env("OS_AUTH_URL", "http://k/v2.0", "OS_USER_ID", "u", "OS_PASSWORD", "p",
                "OS_PROJECT_ID", "x"));
        assertRefused("OS_IDENTITY_API_VERSION", env("OS_AUTH_URL", "http://k/v3", "OS_USER_ID", "u",
                "OS_PASSWORD", "p", "OS_PROJECT_ID", "x", "OS_IDENTITY_API_VERSION", "2"));
        assertRefused("OS_AUTH_URL", env("OS_AUTH_URL", "ftp://k/v3", "OS_USER_ID", "u", "OS_PASSWORD", "p",
                "OS_PROJECT_ID", "x"));
    }

    private static void assertRefused(String expected, OspEnvironment env) {
        ConversionException e = assertThrows(ConversionException.class, () -> OspCredentials.from(env, false));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("osp_environment: "), e.getMessage());
    }
}
