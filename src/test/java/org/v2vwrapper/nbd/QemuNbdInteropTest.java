package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.v2vwrapper.nbd.NbdkitTestSupport.MIB;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nbdkit always answers reads with one data chunk; qemu-nbd sends NBD_REPLY_TYPE_OFFSET_HOLE chunks for
 * sparse areas, so this is where the client's hole-chunk handling is exercised.
 */
class QemuNbdInteropTest {
    @TempDir
    Path dir;

    @Test
    void readsSpanningHolesAndDataFromQemuNbd() throws Exception {
        assumeTrue(NbdkitTestSupport.commandWorks("qemu-nbd", "--version"), "qemu-nbd (qemu-utils) is not installed");
        Path image = dir.resolve("sparse.img");
        NbdkitTestSupport.writeSparseFile(image, 8L * MIB,
            List.of(new Extent(MIB, 64 * 1024), new Extent(3L * MIB, MIB)), 9);
        Path socket = dir.resolve("qemu.sock");
        Process qemuNbd = new ProcessBuilder("qemu-nbd", "--read-only", "--format=raw", "--shared=4",
            "--socket=" + socket, image.toString()).redirectErrorStream(true)
            .redirectOutput(dir.resolve("qemu-nbd.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket)) {
                assertTrue(qemuNbd.isAlive(), "qemu-nbd died");
                assertTrue(System.nanoTime() < deadline, "qemu-nbd did not create its socket");
                Thread.sleep(20);
            }
            try (NbdClient client = NbdClient.connect(NbdUri.unix(socket, ""), NbdClientOptions.DEFAULTS)) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(4 * MIB);
                for (int i = 0; i < buffer.capacity(); i++) {
                    buffer.put(i, (byte) 0x5a); // must all be overwritten, holes with zeroes
                }
                NbdClient.await(client.connections().get(0).read(0, buffer));
                byte[] actual = new byte[4 * MIB];
                buffer.get(0, actual);
                assertArrayEquals(NbdkitTestSupport.readRange(image, 0, 4 * MIB), actual);

                Path copy = dir.resolve("copy.img");
                new DiskCopier(client, new CopyOptions(8, 256 * 1024, false), CopyProgress.NONE).copyAll(copy);
                assertEquals(-1, Files.mismatch(image, copy));
            }
        } finally {
            qemuNbd.destroy();
            if (!qemuNbd.waitFor(10, TimeUnit.SECONDS)) {
                qemuNbd.destroyForcibly();
            }
        }
    }
}
