package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Shared helpers for the tests that run the real nbdkit. */
public final class NbdkitTestSupport {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    public static final int MIB = 1024 * 1024;

    private NbdkitTestSupport() {
    }

    /** Skips the test when nbdkit is not installed (CI installs it, so there the tests run). */
    public static void assumeNbdkit() {
        assumeTrue(commandWorks("nbdkit", "--version"), "nbdkit is not installed");
    }

    public static boolean commandWorks(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public static NbdkitProcess start(NbdkitConfig config) throws IOException {
        return NbdkitProcess.start("test-disk", config, START_TIMEOUT);
    }

    /** The same server under an export name, so that messages can be checked for it. */
    public static NbdUri uri(NbdkitProcess nbdkit, String exportName) {
        return NbdUri.unix(nbdkit.socket(), exportName);
    }

    /** nbdkit processes started by this JVM that are still alive. */
    public static List<ProcessHandle> liveNbdkitChildren() {
        return ProcessHandle.current().descendants()
            .filter(ProcessHandle::isAlive)
            .filter(p -> p.info().command().map(c -> c.endsWith("/nbdkit")).orElse(false))
            .toList();
    }

    public static void assertNoNbdkitLeft() {
        assertEquals(List.of(), liveNbdkitChildren(), "nbdkit processes left behind");
        assertEquals(List.of(), NbdkitRegistry.live(), "nbdkit processes still registered");
    }

    /**
     * A sparse file of the given size with random data (seeded) at the given extents; everything else is a
     * hole. Returns the data layout for checks.
     */
    public static void writeSparseFile(Path file, long size, List<Extent> dataExtents, long seed) throws IOException {
        Random random = new Random(seed);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            for (Extent extent : dataExtents) {
                byte[] data = new byte[(int) extent.length()];
                random.nextBytes(data);
                raf.getChannel().write(ByteBuffer.wrap(data), extent.offset());
            }
        }
    }

    public static void fill(Path file, long size, byte value) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] chunk = new byte[MIB];
            java.util.Arrays.fill(chunk, value);
            for (long pos = 0; pos < size; pos += chunk.length) {
                raf.getChannel().write(ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, size - pos)), pos);
            }
        }
    }

    /** Bytes actually allocated on disk (stat %b counts 512-byte blocks). */
    public static long allocatedBytes(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "stat hung");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), "stat failed: " + out);
        return Long.parseLong(out) * 512;
    }

    public static byte[] readRange(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining()) {
                if (raf.getChannel().read(buffer, offset + buffer.position()) < 0) {
                    break;
                }
            }
            return buffer.array();
        }
    }

    /** The pattern plugin: each 8-byte big-endian word holds its own offset. */
    public static void assertPattern(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            assertEquals(size, raf.length());
            ByteBuffer buffer = ByteBuffer.allocate(MIB);
            for (long pos = 0; pos < size; pos += MIB) {
                buffer.clear();
                raf.getChannel().read(buffer, pos);
                buffer.flip();
                for (int i = 0; i < buffer.limit(); i += 8) {
                    long word = buffer.getLong(i);
                    if (word != pos + i) {
                        throw new AssertionError("pattern mismatch at offset " + (pos + i) + ": " + word);
                    }
                }
            }
        }
    }
}
