package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.nbd.NbdkitTestSupport.MIB;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NbdClientTest {
    private static final NbdClientOptions OPTIONS = NbdClientOptions.DEFAULTS
        .withConnectTimeout(Duration.ofSeconds(10)).withRequestTimeout(Duration.ofSeconds(30));

    @TempDir
    Path dir;

    @BeforeEach
    void needsNbdkit() {
        NbdkitTestSupport.assumeNbdkit();
    }

    @AfterEach
    void nothingLeft() {
        NbdkitTestSupport.assertNoNbdkitLeft();
    }

    @Test
    void negotiatesSizeFlagsStructuredRepliesAndBlockStatus() throws IOException {
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("memory", "size=64M"));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            ExportInfo export = client.export();
            assertEquals(64L * MIB, export.size());
            assertTrue(export.readOnly(), "nbdkit runs --readonly");
            assertTrue(export.canMultiConn(), "the memory plugin allows multi-conn");
            assertEquals(4, client.connections().size());
            assertTrue(client.supportsBlockStatus());
            assertTrue(client.connections().get(0).structuredReplies());
            // An empty memory disk is one big zero hole.
            List<BlockStatus> statuses = client.blockStatus(0, export.size());
            assertEquals(export.size(), statuses.stream().mapToLong(BlockStatus::length).sum());
            assertTrue(statuses.stream().allMatch(BlockStatus::readsAsZero));
        }
    }

    @Test
    void oneConnectionWhenTheServerForbidsMultiConn() throws IOException {
        NbdkitConfig config = NbdkitConfig.of("memory", "size=1M").withFilters("multi-conn")
            .withArgs("multi-conn-mode=disable");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS.withConnections(8))) {
            assertFalse(client.export().canMultiConn());
            assertEquals(1, client.connections().size());
        }
    }

    @Test
    void readsPatternDataWithManyRequestsInFlight() throws Exception {
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=64M"));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            List<ByteBuffer> buffers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(MIB);
                buffers.add(buffer);
                futures.add(client.connections().get(i % 4).read((long) i * MIB, buffer));
            }
            for (int i = 0; i < 64; i++) {
                NbdClient.await(futures.get(i));
                ByteBuffer buffer = buffers.get(i);
                assertEquals(0, buffer.position(), "read must not move the buffer");
                for (int w = 0; w < MIB; w += 8 * 1024) {
                    assertEquals((long) i * MIB + w, buffer.getLong(w));
                }
            }
        }
    }

    @Test
    void sparseFileHolesReadAsZeroAndShowInBlockStatus() throws Exception {
        Path image = dir.resolve("sparse.img");
        NbdkitTestSupport.writeSparseFile(image, 16L * MIB, List.of(new Extent(4L * MIB, MIB)), 1);
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("file", image.toString()));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            List<BlockStatus> statuses = client.blockStatus(0, 16L * MIB);
            BlockStatus first = statuses.get(0);
            assertEquals(new BlockStatus(0, 4L * MIB, NbdProtocol.STATE_HOLE | NbdProtocol.STATE_ZERO), first);
            assertFalse(statuses.get(1).readsAsZero());
            assertEquals(4L * MIB, statuses.get(1).offset());
            // A read spanning hole and data gets structured hole and data chunks; the hole must come back zeroed.
            ByteBuffer buffer = ByteBuffer.allocateDirect(2 * MIB);
            for (int i = 0; i < buffer.capacity(); i++) {
                buffer.put(i, (byte) 0x5a);
            }
            NbdClient.await(client.connections().get(0).read(3L * MIB, buffer));
            byte[] expected = NbdkitTestSupport.readRange(image, 3L * MIB, 2 * MIB);
            byte[] actual = new byte[2 * MIB];
            buffer.get(0, actual);
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void serverErrorNamesTheExportAndTheRequest() throws IOException {
        NbdkitConfig config = NbdkitConfig.of("memory", "size=1M").withFilters("error")
            .withArgs("error-pread=EIO", "error-pread-rate=100%");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
             NbdClient client = NbdClient.connect(NbdkitTestSupport.uri(nbdkit, "disk-7"), OPTIONS)) {
            NbdException e = assertThrows(NbdException.class, () -> client.read(4096, 512));
            assertTrue(e.getMessage().contains("\"disk-7\""), e.getMessage());
            assertTrue(e.getMessage().contains("READ offset=4096 length=512"), e.getMessage());
            assertTrue(e.getMessage().contains("EIO"), e.getMessage());
            // A server error fails the request, not the connection.
            NbdException again = assertThrows(NbdException.class, () -> client.read(0, 512));
            assertTrue(again.getMessage().contains("EIO"), again.getMessage());
        }
    }

    @Test
    void blockStatusErrorIsReported() throws IOException {
        NbdkitConfig config = NbdkitConfig.of("memory", "size=1M").withFilters("error")
            .withArgs("error-extents=EPERM", "error-extents-rate=100%");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
             NbdClient client = NbdClient.connect(NbdkitTestSupport.uri(nbdkit, "disk-8"), OPTIONS)) {
            NbdException e = assertThrows(NbdException.class, () -> client.blockStatus(0, MIB));
            assertTrue(e.getMessage().contains("BLOCK_STATUS offset=0") && e.getMessage().contains("\"disk-8\"")
                && e.getMessage().contains("EPERM"), e.getMessage());
        }
    }

    @Test
    void requestTimeoutIsHonoured() throws IOException {
        NbdkitConfig config = NbdkitConfig.of("memory", "size=1M").withFilters("delay").withArgs("delay-read=20");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
             NbdClient client = NbdClient.connect(NbdkitTestSupport.uri(nbdkit, "slow"),
                 OPTIONS.withConnections(1).withRequestTimeout(Duration.ofMillis(500)))) {
            long start = System.nanoTime();
            NbdTimeoutException e = assertThrows(NbdTimeoutException.class, () -> client.read(0, 512));
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(e.getMessage().contains("READ offset=0 length=512") && e.getMessage().contains("\"slow\"")
                && e.getMessage().contains("timed out after 0.5 s"), e.getMessage());
            assertTrue(elapsedMs < 10_000, "timed out only after " + elapsedMs + " ms");
            // The connection is dead afterwards: later requests fail at once instead of hanging.
            NbdException later = assertThrows(NbdException.class, () -> client.read(0, 512));
            assertTrue(later.getMessage().contains("closed"), later.getMessage());
        }
    }

    @Test
    void handshakeTimeoutAgainstASilentServer() throws IOException {
        Path socket = dir.resolve("silent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            NbdException e = assertThrows(NbdTimeoutException.class, () -> NbdClient.connect(NbdUri.unix(socket, "d1"),
                OPTIONS.withConnectTimeout(Duration.ofMillis(300))));
            assertTrue(e.getMessage().contains("\"d1\"") && e.getMessage().contains("timed out"), e.getMessage());
        }
    }

    @Test
    void garbageFromTheServerIsAProtocolError() throws Exception {
        Path socket = dir.resolve("http.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread talker = new Thread(() -> {
                try (SocketChannel c = server.accept()) {
                    c.write(ByteBuffer.wrap("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes()));
                } catch (IOException ignored) {
                    // the client hangs up
                }
            });
            talker.start();
            NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.unix(socket, "d2"), OPTIONS));
            assertTrue(e.getMessage().contains("\"d2\"") && e.getMessage().contains("greeting"), e.getMessage());
            talker.join(5000);
        }
    }

    @Test
    void noServerIsAClearConnectError() {
        Path socket = dir.resolve("nobody.sock");
        NbdException e = assertThrows(NbdException.class, () -> NbdClient.connect(NbdUri.unix(socket, "d3"), OPTIONS));
        assertTrue(e.getMessage().contains("cannot connect to export \"d3\""), e.getMessage());
        assertFalse(Files.exists(socket));
    }

    @Test
    void serverDeathFailsRequestsInFlight() throws Exception {
        NbdkitConfig config = NbdkitConfig.of("memory", "size=1M").withFilters("delay").withArgs("delay-read=20");
        NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
        try (NbdClient client = NbdClient.connect(NbdkitTestSupport.uri(nbdkit, "dying"), OPTIONS)) {
            CompletableFuture<Void> read = client.connections().get(0).read(0, ByteBuffer.allocate(512));
            ProcessHandle.of(nbdkit.pid()).orElseThrow().destroyForcibly();
            IOException e = assertThrows(IOException.class, () -> NbdClient.await(read));
            assertInstanceOf(NbdException.class, e);
            assertTrue(e.getMessage().contains("READ offset=0 length=512") && e.getMessage().contains("\"dying\""),
                e.getMessage());
        } finally {
            nbdkit.stop();
        }
    }
}
