package org.v2vwrapper.output.osp;

import org.junit.jupiter.api.Test;
import org.openstack4j.api.exceptions.AuthenticationException;
import org.openstack4j.api.exceptions.ResponseException;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Secret;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Issue 17: the server's text is withheld as a whole when it holds the password; the wrapper's words never change. */
class OspErrorsTest {
    @Test
    void aShortPasswordDoesNotMaskTheWrappersOwnWords() {
        Secret p = new Secret("a");
        ConversionException e = OspErrors.failure("authenticating to OpenStack",
                new AuthenticationException("The request you have made requires authentication.", 401), p);
        // Before: "*****uthentic*****ting to OpenStack: …". The server's sentence holds an "a" and is withheld;
        // the wrapper's words, which hold several, are left as they are.
        assertFalse(e.getMessage().contains("*****"), e.getMessage());
        assertEquals("authenticating to OpenStack: authentication failed (HTTP 401): "
                + Secret.WITHHELD, e.getMessage());
    }

    @Test
    void serverTextWithoutThePasswordIsKeptWhole() {
        Secret p = new Secret("S3cr3t-osp-XYZ");
        ConversionException e = OspErrors.failure("creating volume web01_Disk1",
                new ResponseException("Volume quota exceeded", 413), p);
        assertEquals("creating volume web01_Disk1: Volume quota exceeded (HTTP 413)", e.getMessage());
        assertEquals(413, ((ResponseException) e.getCause()).getStatus());
    }

    @Test
    void serverTextEchoingThePasswordIsWithheldWholeAndTheCauseNotKept() {
        Secret p = new Secret("hunter2");
        ResponseException server = new ResponseException("Invalid input: password 'hunter2' too weak", 400);
        ConversionException e = OspErrors.failure("updating user", server, p);
        assertEquals("updating user: " + Secret.WITHHELD + " (HTTP 400)", e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
        assertNull(e.getCause(), "a cause holding the password would reach the log with its stack trace");
    }

    @Test
    void aConversionExceptionPassesThrough() {
        ConversionException ce = new ConversionException("x");
        assertSame(ce, OspErrors.failure("y", ce, new Secret("p")));
    }
}
