package org.v2vwrapper.request;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Found by the fuzz test: a misspelt secret variable ({@code os-p-assword}) was logged in clear. Deny by default. */
class OspEnvironmentDisplayTest {
    @Test
    void onlyListedOpenstackVariablesShowTheirValues() {
        assertEquals("https://k/v3", OspEnvironment.displayValue("OS_AUTH_URL", "https://k/v3"));
        assertEquals("RegionOne", OspEnvironment.displayValue("OS_REGION_NAME", "RegionOne"));
        assertEquals(Secret.REDACTED, OspEnvironment.displayValue("OS_PASSWORD", "x"));
        assertEquals(Secret.REDACTED, OspEnvironment.displayValue("OS_P_ASSWORD", "x"));
        assertEquals(Secret.REDACTED, OspEnvironment.displayValue("OS_APPLICATION_CREDENTIAL_SECRET", "x"));
        assertEquals(Secret.REDACTED, OspEnvironment.displayValue("OS_VENDOR_THING", "x"));
        assertEquals("C", OspEnvironment.displayValue("LANG", "C"), "the wrapper's own variables are shown");
    }

    @Test
    void toStringRedactsUnlistedNames() {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("OS_AUTH_URL", "https://k/v3");
        vars.put("OS_P_ASSWORD", "S3cr3t-misspelt");
        String s = new OspEnvironment(vars).toString();
        assertTrue(s.contains("OS_AUTH_URL=https://k/v3"), s);
        assertFalse(s.contains("S3cr3t"), s);
    }
}
