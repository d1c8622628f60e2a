package org.v2vwrapper.output.rhv;

import org.junit.jupiter.api.Test;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Secret;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 17: engine text holding the password is withheld as a whole; the wrapper's words are never masked. */
class OvirtErrorsTest {
    private static OvirtEndpoint endpoint(String password) {
        return new OvirtEndpoint("https://engine.example.com/ovirt-engine/api", "admin@internal",
                new Secret(password), false, Path.of("/etc/ca.pem"), false);
    }

    private static final String FAULT = "Fault reason is \"Operation Failed\". Fault detail is \"[Cannot add disk:"
            + " storage domain data is full]\". HTTP response code is \"409\". HTTP response message is \"Conflict\".";

    @Test
    void aOneLetterPasswordLeavesEverythingReadable() {
        OvirtEndpoint ep = endpoint("e");
        ConversionException ce = OvirtErrors.toConversionException("cannot log in to", ep,
                new RuntimeException("Failed to send request", new java.net.ConnectException("Connection refused")));
        // Before: "*****ngin*****" wherever an "e" stood. The wrapper's words and the URL stay as they are; the
        // JDK's text holds an 'e', so only it is withheld.
        assertEquals("cannot log in to the oVirt engine at https://engine.example.com/ovirt-engine/api: "
                + "engine unreachable (" + Secret.WITHHELD + ")", ce.getMessage());
        assertFalse(ce.getMessage().contains("*****"));
    }

    @Test
    void anApiFaultWithoutThePasswordIsShownWhole() {
        OvirtEndpoint ep = endpoint("S3cr3t-rhv-XYZ");
        RuntimeException e = new RuntimeException(FAULT);
        assertEquals("HTTP 409, Operation Failed: [Cannot add disk: storage domain data is full]",
                OvirtErrors.reason(ep, e));
        assertNotNull(OvirtErrors.toConversionException("x", ep, e).getCause());
    }

    @Test
    void ssoErrorEchoingThePasswordIsWithheldWholeAndTheCauseDropped() {
        OvirtEndpoint ep = endpoint("hunter2");
        RuntimeException e = new RuntimeException(
                "Error during SSO authentication access_denied : Cannot authenticate user 'admin' with 'hunter2'.");
        String reason = OvirtErrors.reason(ep, e);
        assertEquals("authentication as admin@internal failed: " + Secret.WITHHELD, reason);
        ConversionException ce = OvirtErrors.toConversionException("cannot log in to", ep, e);
        assertFalse(ce.getMessage().contains("hunter2"));
        assertNull(ce.getCause());
    }

    @Test
    void thePasswordCutInHalfByTruncationIsStillWithheld() {
        String pw = "Tr0ub4dor&3-long-password";
        OvirtEndpoint ep = endpoint(pw);
        String text = "x".repeat(390) + pw; // oneLine keeps 400 characters: half the password
        assertEquals(Secret.WITHHELD, OvirtErrors.server(ep, text));
        assertTrue(OvirtErrors.server(ep, "x".repeat(500)).endsWith("..."));
    }

    @Test
    void theRedactorWithholdsALineHoldingAKnownSecretInsteadOfMaskingIt() {
        Redactor r = new Redactor();
        r.addSecret("o");
        assertEquals(Redactor.WITHHELD, r.text("POST /ovirt-engine/sso/oauth/token"));
        Redactor long_ = new Redactor();
        long_.addSecret("S3cr3t-rhv-XYZ");
        assertEquals("grant_type=password&password=*****", long_.text("grant_type=password&password=S3cr3t-rhv-XYZ"),
                "fields are masked by shape first, so the rest of the line stays readable");
        assertEquals("GET /api", long_.text("GET /api"));
    }
}
