package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NbdUriTest {
    @Test
    void tcpWithPortAndExport() {
        NbdUri uri = NbdUri.parse("nbd://example.org:10810/disk-1");
        assertEquals("example.org", uri.host());
        assertEquals(10810, uri.port());
        assertEquals("disk-1", uri.exportName());
        assertFalse(uri.isUnix());
    }

    @Test
    void tcpDefaultsToPort10809AndEmptyExport() {
        NbdUri uri = NbdUri.parse("nbd://127.0.0.1");
        assertEquals(10809, uri.port());
        assertEquals("", uri.exportName());
    }

    @Test
    void unixSocketAndEncodedExportName() {
        NbdUri uri = NbdUri.parse("nbd+unix:///my%20disk+1?socket=/run/x/nbdkit.sock");
        assertTrue(uri.isUnix());
        assertNull(uri.host());
        assertEquals(Path.of("/run/x/nbdkit.sock"), uri.socketPath());
        assertEquals("my disk+1", uri.exportName());
    }

    @Test
    void unixWithoutExport() {
        assertEquals("", NbdUri.parse("nbd+unix://?socket=/tmp/s").exportName());
        assertEquals("", NbdUri.parse("nbd+unix:///?socket=/tmp/s").exportName());
    }

    @Test
    void roundTripsThroughToString() {
        NbdUri uri = NbdUri.unix(Path.of("/tmp/a.sock"), "d");
        assertEquals(uri, NbdUri.parse(uri.toString()));
    }

    @Test
    void refusesWhatItCannotServe() {
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbd+unix:///x"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbds://host/x"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("http://host/x"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("/dev/sda"));
        assertThrows(IllegalArgumentException.class, () -> NbdUri.parse("nbd:///noHost"));
    }
}
