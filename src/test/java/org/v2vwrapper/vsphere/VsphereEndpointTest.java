package org.v2vwrapper.vsphere;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VsphereEndpointTest {
    private static final String FP = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01";

    @Test
    void vcenterDefaultsAndSdkUri() {
        VsphereEndpoint e = VsphereEndpoint.parse("vpx://vcenter.example.com/Datacenter/cluster/esx1", FP);
        assertEquals(VsphereEndpoint.Kind.VCENTER, e.kind());
        assertEquals("administrator@vsphere.local", e.user());
        assertEquals(URI.create("https://vcenter.example.com/sdk"), e.sdkUri());
        assertEquals(FP.toUpperCase(), e.thumbprint());
        assertFalse(e.noVerify());
    }

    @Test
    void esxiUserPortAndNoVerify() {
        VsphereEndpoint e = VsphereEndpoint.parse("esx://esx1.example.com:8443/?no_verify=1", null);
        assertEquals(VsphereEndpoint.Kind.ESXI, e.kind());
        assertEquals("root", e.user());
        assertEquals(URI.create("https://esx1.example.com:8443/sdk"), e.sdkUri());
        assertTrue(e.noVerify());
        VsphereEndpoint u = VsphereEndpoint.parse("vpx://migrator%40corp.local@vc/DC/host?no_verify=0", FP);
        assertEquals("migrator@corp.local", u.user());
        assertFalse(u.noVerify());
    }

    @Test
    void aPasswordInTheUriIsNeitherUsedNorEchoed() {
        VsphereEndpoint e = VsphereEndpoint.parse("vpx://admin:hunter2@vc/DC", FP);
        assertEquals("admin", e.user());
        assertFalse(e.toString().contains("hunter2"));
    }

    @Test
    void errorsNameTheKey() {
        assertEquals("vmware_fingerprint: required unless vmware_uri has ?no_verify=1",
                assertThrows(IllegalArgumentException.class, () -> VsphereEndpoint.parse("vpx://vc/DC", null))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VsphereEndpoint.parse("vpx://vc/DC", "AB:CD"))
                .getMessage().startsWith("vmware_fingerprint: "));
        assertEquals("vmware_uri: must be a vpx:// or esx:// URI",
                assertThrows(IllegalArgumentException.class, () -> VsphereEndpoint.parse("ssh://vc/DC", FP))
                        .getMessage());
        assertEquals("vmware_uri: no_verify must be 0 or 1",
                assertThrows(IllegalArgumentException.class,
                        () -> VsphereEndpoint.parse("vpx://vc/DC?no_verify=yes", FP)).getMessage());
    }
}
