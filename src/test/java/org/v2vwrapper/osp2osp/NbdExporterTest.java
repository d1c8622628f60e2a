package org.v2vwrapper.osp2osp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.ExportMap;
import org.v2vwrapper.nbd.NbdConnection;
import org.v2vwrapper.nbd.NbdUri;
import org.v2vwrapper.testing.SshdHarness;

/** With the real nbdkit. */
class NbdExporterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private static void assumeNbdkit() {
        try {
            Process p = new ProcessBuilder("nbdkit", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assumeTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "nbdkit is not installed");
        } catch (IOException | InterruptedException e) {
            assumeTrue(false, "nbdkit is not installed");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Path disk(String name, long seed) throws IOException {
        byte[] data = new byte[1024 * 1024];
        new Random(seed).nextBytes(data);
        Path p = tmp.resolve(name);
        Files.write(p, data);
        return p;
    }

    private static ExportMap map(String json) throws Exception {
        return ExportMap.parse(JSON.readTree(json));
    }

    @Test
    void exportsAnswerReadOnlyOnLoopbackAndNbdreadyIsWrittenUntilStop() throws Exception {
        assumeNbdkit();
        Path a = disk("vdb", 1);
        Path b = disk("vdc", 2);
        int pa = freePort();
        int pb = freePort();
        Path data = Files.createDirectory(tmp.resolve("data"));
        ExportMap m = map(JSON.writeValueAsString(Map.of(a.toString(), pa, b.toString(), pb)));
        NbdExporter exporter = NbdExporter.start(m, data, READY);
        List<Long> pids;
        try {
            assertEquals(NbdExporter.READY_TEXT, Files.readString(data.resolve("nbdready")));
            pids = exporter.pids();
            assertEquals(2, pids.size());
            for (Map.Entry<Path, Integer> e : Map.of(a, pa, b, pb).entrySet()) {
                NbdUri uri = exporter.uris().get(e.getKey());
                assertEquals(NbdUri.tcp("127.0.0.1", e.getValue(), ""), uri);
                assertEquals(List.of("127.0.0.1"), SshdHarness.listeningAddresses(e.getValue()),
                        "nbdkit must listen on loopback only");
                try (NbdConnection c = NbdConnection.open(uri, Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                    assertTrue(c.export().readOnly(), "the export must be read-only");
                    assertEquals(Files.size(e.getKey()), c.export().size());
                    ByteBuffer buf = ByteBuffer.allocate(4096);
                    c.read(8192, buf).get(10, TimeUnit.SECONDS);
                    byte[] expected = new byte[4096];
                    System.arraycopy(Files.readAllBytes(e.getKey()), 8192, expected, 0, 4096);
                    assertArrayEquals(expected, buf.array());
                }
            }
            byte[] before = Files.readAllBytes(a);
            assertNotEquals(0, qemuIoWrite(pa), "a write through the export was accepted");
            assertArrayEquals(before, Files.readAllBytes(a));
        } finally {
            exporter.stop();
        }
        exporter.awaitStop(); // released by stop(): returns at once
        assertFalse(Files.exists(data.resolve("nbdready")));
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "nbdkit " + pid + " left");
        }
        assertEquals(List.of(), SshdHarness.listeningAddresses(pa));
    }

    /** qemu-io's exit code for a write to the export (qemu-io is part of qemu-utils, installed with qemu-img). */
    private static int qemuIoWrite(int port) throws Exception {
        Process p = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "write -P 0x55 0 512", "nbd://127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue();
    }

    @Test
    void aPortAlreadyTakenFailsAndStopsTheOthers() throws Exception {
        assumeNbdkit();
        Path a = disk("vdb", 1);
        Path b = disk("vdc", 2);
        int pa = freePort();
        Path data = Files.createDirectory(tmp.resolve("data"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            java.util.LinkedHashMap<Path, Integer> both = new java.util.LinkedHashMap<>();
            both.put(a, pa);
            both.put(b, taken.getLocalPort());
            ConversionException e = assertThrows(ConversionException.class,
                    () -> NbdExporter.start(new ExportMap(both), data, READY));
            assertTrue(e.getMessage().startsWith("exporting " + b + " on 127.0.0.1:" + taken.getLocalPort() + ": "),
                    e.getMessage());
        }
        assertFalse(Files.exists(data.resolve("nbdready")));
        assertEquals(List.of(), SshdHarness.listeningAddresses(pa), "the first export was not stopped");
    }

    @Test
    void awaitStopBlocksUntilStopped() throws Exception {
        assumeNbdkit();
        Path data = Files.createDirectory(tmp.resolve("data"));
        NbdExporter exporter = NbdExporter.start(map("{\"" + disk("vdb", 3) + "\": " + freePort() + "}"), data, READY);
        Thread waiter = new Thread(() -> {
            try {
                exporter.awaitStop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        waiter.join(300);
        assertTrue(waiter.isAlive(), "awaitStop returned before stop()");
        exporter.stop();
        waiter.join(10_000);
        assertFalse(waiter.isAlive());
    }

    @Test
    void validatorRejectsBadMapsWithOneLineNamingTheKey() throws Exception {
        Path file = disk("vdb", 1);
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        String f = file.toString();
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("[\"/dev/vdb\"]", "nbd_export_only: must be an object of device path to port");
        cases.put("\"x\"", "nbd_export_only: must be an object of device path to port");
        cases.put("{}", "nbd_export_only: names no device");
        cases.put("{\"" + f + "\": 0}", "nbd_export_only." + f + ": port must be an integer from 1 to 65535, not 0");
        cases.put("{\"" + f + "\": 65536}", "nbd_export_only." + f + ": port must be an integer from 1 to 65535, not 65536");
        cases.put("{\"" + f + "\": \"10809\"}", "nbd_export_only." + f + ": port must be an integer from 1 to 65535, not \"10809\"");
        cases.put("{\"" + f + "\": 10809.5}", "nbd_export_only." + f + ": port must be an integer from 1 to 65535, not 10809.5");
        cases.put("{\"vdb\": 10809}", "nbd_export_only.vdb: the device must be an absolute path");
        cases.put("{\"" + tmp.resolve("absent") + "\": 10809}",
                "nbd_export_only." + tmp.resolve("absent") + ": " + tmp.resolve("absent") + " does not exist");
        cases.put("{\"" + dir + "\": 10809}",
                "nbd_export_only." + dir + ": " + dir + " is not a block device or a regular file (a directory)");
        cases.put("{\"/dev/null\": 10809}", "nbd_export_only./dev/null: /dev/null is not a block device or a regular file");
        cases.put("{\"" + f + "\": 10809, \"" + dir + "x\": 10809}",
                "nbd_export_only." + dir + "x: port 10809 is already used for " + f);
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ConversionException e = assertThrows(ConversionException.class, () -> map(c.getKey()), c.getKey());
            assertTrue(e.getMessage().startsWith(c.getValue()), c.getKey() + " -> " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void validatorAcceptsFilesAndBlockDevicesInOrder() throws Exception {
        Path a = disk("vdc", 1);
        Path b = disk("vdb", 2);
        ExportMap m = map("{\"" + a + "\": 10810, \"" + b + "\": 10809}");
        assertEquals(List.of(a, b), List.copyOf(m.exports().keySet()));
        assertEquals(10810, m.exports().get(a));
        Path block = List.of("/dev/loop0", "/dev/vda", "/dev/sda", "/dev/nvme0n1").stream().map(Path::of)
                .filter(Files::exists).filter(p -> {
                    try {
                        return ((Integer) Files.getAttribute(p, "unix:mode") & 0170000) == 0060000;
                    } catch (IOException e) {
                        return false;
                    }
                }).findFirst().orElse(null);
        if (block != null) {
            JsonNode n = JSON.createObjectNode().put(block.toString(), 10809);
            assertEquals(Map.of(block, 10809), ExportMap.parse(n).exports());
        }
    }

    @Test
    void missingDataDirIsAnError() throws Exception {
        ExportMap m = map("{\"" + disk("vdb", 1) + "\": 10809}");
        ConversionException e = assertThrows(ConversionException.class,
                () -> NbdExporter.start(m, tmp.resolve("nodata"), READY));
        assertEquals("--data-dir: " + tmp.resolve("nodata") + " is not a directory", e.getMessage());
    }
}
