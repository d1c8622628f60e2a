package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.nbd.NbdConnection;
import org.v2vwrapper.nbd.NbdUri;
import org.v2vwrapper.testing.SshdHarness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code nbd_export_only} through the launcher, with the real nbdkit: exports on loopback, {@code nbdready} in
 * {@code --data-dir}, read-only, SIGTERM is the normal end (exit 0, finished, not failed), bad maps refused.
 */
class NbdExportOnlyIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    private static void assumeNbdkit() throws Exception {
        Process p = new ProcessBuilder("nbdkit", "--version").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assumeTrue(p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0, "nbdkit is not installed");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Path disk(String name, long seed) throws IOException {
        byte[] data = new byte[2 * 1024 * 1024];
        new Random(seed).nextBytes(data);
        return Files.write(tmp.resolve(name), data);
    }

    @Test
    void exportsReadOnlyUntilSigtermThenExitsZero() throws Exception {
        assumeNbdkit();
        Path a = disk("vdb", 1);
        Path b = disk("vdc", 2);
        Map<String, Integer> map = new LinkedHashMap<>();
        map.put(a.toString(), freePort());
        map.put(b.toString(), freePort());
        Path data = Files.createDirectories(tmp.resolve("data"));
        WrapperRun run = new WrapperRun(tmp.resolve("w")).arg("--data-dir=" + data);
        run.start(JSON.writeValueAsString(Map.of("nbd_export_only", map)));
        Path ready = data.resolve("nbdready");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(ready)) {
            assertTrue(run.process().isAlive(), "the wrapper exited: " + run.stderr());
            assertTrue(System.nanoTime() < deadline, "no nbdready within 60 s");
            Thread.sleep(100);
        }
        assertEquals("NBD exports ready", Files.readString(ready));
        JsonNode state = run.awaitState(s -> "Exporting".equals(s.path("status").asText()), 30);
        assertFalse(state.path("finished").asBoolean());
        List<ProcessHandle> children = run.process().descendants().toList();
        assertFalse(children.isEmpty());
        for (Map.Entry<String, Integer> e : map.entrySet()) {
            assertEquals(List.of("127.0.0.1"), SshdHarness.listeningAddresses(e.getValue()),
                    "an export must listen on loopback only");
            try (NbdConnection c = NbdConnection.open(NbdUri.tcp("127.0.0.1", e.getValue(), ""),
                    Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                assertTrue(c.export().readOnly(), "the export must be read-only");
                ByteBuffer buf = ByteBuffer.allocate(65536);
                c.read(1 << 20, buf).get(10, TimeUnit.SECONDS);
                byte[] expected = new byte[65536];
                System.arraycopy(Files.readAllBytes(Path.of(e.getKey())), 1 << 20, expected, 0, 65536);
                assertArrayEquals(expected, buf.array());
            }
        }
        byte[] before = Files.readAllBytes(a);
        Process w = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "write -P 0x55 0 512",
                "nbd://127.0.0.1:" + map.get(a.toString())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(w.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, w.exitValue(), "a write through the export was accepted");
        assertArrayEquals(before, Files.readAllBytes(a));

        run.process().destroy(); // SIGTERM: the normal end of this mode
        assertEquals(0, run.waitFor(60), run.stderr());
        JsonNode end = run.state();
        assertTrue(end.path("finished").asBoolean(), end.toString());
        assertFalse(end.path("failed").asBoolean(), end.toString());
        assertFalse(Files.exists(ready), "nbdready outlived the exports");
        for (ProcessHandle h : children) {
            assertFalse(h.isAlive(), "child " + h.pid() + " " + h.info().command().orElse("") + " left");
        }
        for (int port : map.values()) {
            assertEquals(List.of(), SshdHarness.listeningAddresses(port));
        }
    }

    @Test
    void badMapsAreOneLineNamingTheKeyExitOne() throws Exception {
        Path a = disk("vdb", 3);
        Path dir = Files.createDirectories(tmp.resolve("adir"));
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"nbd_export_only\": [\"/dev/vdb\"]}", "nbd_export_only: must be an object");
        cases.put("{\"nbd_export_only\": {\"" + a + "\": 70000}}", "nbd_export_only." + a + ": port must be");
        cases.put("{\"nbd_export_only\": {\"" + dir + "\": 10809}}",
                "nbd_export_only." + dir + ": " + dir + " is not a block device or a regular file");
        cases.put("{\"nbd_export_only\": {\"" + a + "\": 10809}, \"vm_name\": \"x\"}", "vm_name: not used with");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            WrapperRun run = new WrapperRun(tmp.resolve("bad" + i++)).arg("--data-dir=" + tmp);
            run.start(c.getKey());
            assertEquals(1, run.waitFor(60), c.getKey());
            List<String> lines = run.stderr().lines().toList();
            assertEquals(1, lines.size(), run.stderr());
            assertTrue(lines.get(0).contains("invalid request: " + c.getValue()), c.getKey() + " -> " + lines);
        }
    }
}
