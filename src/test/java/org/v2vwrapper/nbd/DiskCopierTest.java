package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.v2vwrapper.nbd.NbdkitTestSupport.MIB;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskCopierTest {
    private static final NbdClientOptions OPTIONS = NbdClientOptions.DEFAULTS
        .withConnectTimeout(Duration.ofSeconds(10)).withRequestTimeout(Duration.ofSeconds(30));
    /** Small requests so that even small test disks need many of them in flight. */
    private static final CopyOptions SMALL_REQUESTS = new CopyOptions(16, 64 * 1024, false);

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
    void copiesASparseFileByteForByteAndKeepsItsHoles() throws Exception {
        Path source = dir.resolve("source.img");
        List<Extent> data = List.of(new Extent(MIB, 3 * MIB), new Extent(20L * MIB, 100_000),
            new Extent(64L * MIB - 4096, 4096));
        NbdkitTestSupport.writeSparseFile(source, 64L * MIB, data, 42);
        Path destination = dir.resolve("dest.img");
        List<long[]> progress = new ArrayList<>();
        CopyResult result;
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("file", source.toString()));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            result = new DiskCopier(client, SMALL_REQUESTS, (copied, total) -> {
                synchronized (progress) {
                    progress.add(new long[] {copied, total});
                }
            }).copyAll(destination);
        }
        assertEquals(-1, Files.mismatch(source, destination), "destination differs from the source");
        assertEquals(64L * MIB, Files.size(destination));
        long dataBytes = Extent.totalLength(data);
        assertTrue(NbdkitTestSupport.allocatedBytes(destination) < dataBytes + 2 * MIB,
            "holes were filled: " + NbdkitTestSupport.allocatedBytes(destination) + " bytes allocated");
        assertTrue(result.zeroBytes() >= 50L * MIB, "zero ranges were read: " + result);
        assertEquals(64L * MIB, result.requestedBytes());
        long[] last = progress.get(progress.size() - 1);
        assertEquals(64L * MIB, last[0]);
        assertEquals(64L * MIB, last[1]);
        for (int i = 1; i < progress.size(); i++) {
            assertTrue(progress.get(i)[0] >= progress.get(i - 1)[0] || i == progress.size() - 1,
                "progress went backwards");
        }
    }

    @Test
    void copiesThePatternPluginOverSeveralConnections() throws Exception {
        Path destination = dir.resolve("pattern.img");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=48M"));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS.withConnections(3))) {
            assertEquals(3, client.connections().size());
            CopyResult result = new DiskCopier(client, SMALL_REQUESTS, CopyProgress.NONE).copyAll(destination);
            assertEquals(48L * MIB, result.dataBytes());
        }
        NbdkitTestSupport.assertPattern(destination, 48L * MIB);
    }

    @Test
    void copiesSparseRandomLikeNbdcopy() throws Exception {
        assumeTrue(NbdkitTestSupport.commandWorks("nbdcopy", "--version"), "nbdcopy (libnbd-bin) is not installed");
        Path destination = dir.resolve("random.img");
        Path reference = dir.resolve("reference.img");
        NbdkitConfig config = NbdkitConfig.of("sparse-random", "size=256M", "seed=7", "percent=20", "runlength=1048576");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config)) {
            try (NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
                new DiskCopier(client, CopyOptions.DEFAULTS, CopyProgress.NONE).copyAll(destination);
            }
            Process nbdcopy = new ProcessBuilder("nbdcopy", nbdkit.uri().toString(), reference.toString())
                .redirectErrorStream(true).start();
            assertTrue(nbdcopy.waitFor(120, TimeUnit.SECONDS), "nbdcopy hung");
            assertEquals(0, nbdcopy.exitValue(), new String(nbdcopy.getInputStream().readAllBytes()));
        }
        assertEquals(-1, Files.mismatch(reference, destination), "destination differs from nbdcopy's copy");
        long allocated = NbdkitTestSupport.allocatedBytes(destination);
        assertTrue(allocated > 20L * MIB && allocated < 100L * MIB, "allocated " + allocated);
    }

    @Test
    void partialCopyTouchesOnlyTheListedExtents() throws Exception {
        Path source = dir.resolve("source.img");
        // Data in [2M, 6M); everything else is a hole, so the extent [8M, 9M) is a zero range at the source.
        NbdkitTestSupport.writeSparseFile(source, 16L * MIB, List.of(new Extent(2L * MIB, 4L * MIB)), 3);
        Path destination = dir.resolve("dest.img");
        NbdkitTestSupport.fill(destination, 16L * MIB, (byte) 0xAA);
        List<Extent> extents = List.of(new Extent(3L * MIB, MIB), new Extent(5L * MIB + 512, 4096),
            new Extent(8L * MIB, MIB));
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("file", source.toString()));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            CopyResult result = new DiskCopier(client, SMALL_REQUESTS, CopyProgress.NONE)
                .copyExtents(extents, destination);
            assertEquals(MIB + 4096 + MIB, result.requestedBytes());
        }
        byte[] sourceBytes = Files.readAllBytes(source);
        byte[] destinationBytes = Files.readAllBytes(destination);
        for (int i = 0; i < sourceBytes.length; i++) {
            final int at = i;
            boolean listed = extents.stream().anyMatch(e -> at >= e.offset() && at < e.end());
            byte expected = listed ? sourceBytes[i] : (byte) 0xAA;
            if (destinationBytes[i] != expected) {
                throw new AssertionError("byte " + i + " (" + (listed ? "listed" : "not listed") + ") is "
                    + destinationBytes[i] + ", expected " + expected);
            }
        }
    }

    @Test
    void refusesExtentsBeyondTheEnd() throws Exception {
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("memory", "size=1M"));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            DiskCopier copier = new DiskCopier(client, SMALL_REQUESTS, CopyProgress.NONE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> copier.copyExtents(List.of(new Extent(MIB - 512, 1024)), dir.resolve("x.img")));
            assertTrue(e.getMessage().contains("beyond the end"), e.getMessage());
        }
    }

    @Test
    void serverReadErrorMidCopyFailsTheCopyWithAClearMessage() throws Exception {
        // The error filter fails reads only while the trigger file exists: create it once the copy is going.
        Path trigger = dir.resolve("trigger");
        NbdkitConfig config = NbdkitConfig.of("pattern", "size=32M").withFilters("error")
            .withArgs("error-pread=EIO", "error-pread-rate=100%", "error-pread-file=" + trigger);
        AtomicLong copiedBeforeErrors = new AtomicLong(-1);
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
             NbdClient client = NbdClient.connect(NbdkitTestSupport.uri(nbdkit, "disk-err"), OPTIONS)) {
            CopyProgress startErrors = (copied, total) -> {
                if (copiedBeforeErrors.compareAndSet(-1, copied)) {
                    try {
                        Files.createFile(trigger);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            };
            NbdException e = assertThrows(NbdException.class, () ->
                new DiskCopier(client, SMALL_REQUESTS, startErrors).copyAll(dir.resolve("dest.img")));
            assertTrue(e.getMessage().contains("\"disk-err\"") && e.getMessage().contains("READ offset=")
                && e.getMessage().contains("EIO"), e.getMessage());
            assertTrue(copiedBeforeErrors.get() > 0, "the copy never started");
        }
    }

    @Test
    void serverDeathMidCopyFailsTheCopy() throws Exception {
        NbdkitConfig config = NbdkitConfig.of("pattern", "size=64M").withFilters("delay").withArgs("delay-read=50ms");
        NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
        CountDownLatch someProgress = new CountDownLatch(1);
        AtomicLong copiedWhenKilled = new AtomicLong();
        try (NbdClient client = NbdClient.connect(NbdkitTestSupport.uri(nbdkit, "disk-dies"), OPTIONS)) {
            CompletableFuture<CopyResult> copy = CompletableFuture.supplyAsync(() -> {
                try {
                    return new DiskCopier(client, SMALL_REQUESTS, (copied, total) -> {
                        copiedWhenKilled.set(copied);
                        someProgress.countDown();
                    }).copyAll(dir.resolve("dest.img"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertTrue(someProgress.await(60, TimeUnit.SECONDS), "the copy made no progress");
            ProcessHandle.of(nbdkit.pid()).orElseThrow().destroyForcibly();
            Throwable failure = assertThrows(Exception.class, () -> copy.get(60, TimeUnit.SECONDS)).getCause();
            IOException e = (IOException) failure.getCause();
            assertTrue(e instanceof NbdException, "not an NbdException: " + e);
            assertTrue(e.getMessage().contains("\"disk-dies\""), e.getMessage());
            assertTrue(copiedWhenKilled.get() < 64L * MIB, "the copy finished before the server died");
        } finally {
            nbdkit.stop();
        }
    }

    @Test
    void requestTimeoutFailsTheCopy() throws Exception {
        NbdkitConfig config = NbdkitConfig.of("pattern", "size=8M").withFilters("delay").withArgs("delay-read=30");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config);
             NbdClient client = NbdClient.connect(NbdkitTestSupport.uri(nbdkit, "disk-slow"),
                 OPTIONS.withRequestTimeout(Duration.ofMillis(700)))) {
            long start = System.nanoTime();
            NbdException e = assertThrows(NbdException.class, () ->
                new DiskCopier(client, SMALL_REQUESTS, CopyProgress.NONE).copyAll(dir.resolve("dest.img")));
            assertTrue(e.getMessage().contains("timed out after 0.7 s") && e.getMessage().contains("\"disk-slow\""),
                e.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "the timeout was not honoured");
        }
    }

    @Test
    void wholeDiskCopyIntoAnExistingFileReplacesItsContent() throws Exception {
        Path destination = dir.resolve("old.img");
        NbdkitTestSupport.fill(destination, 8L * MIB, (byte) 0x77);
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("memory", "size=4M"));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            new DiskCopier(client, SMALL_REQUESTS, CopyProgress.NONE).copyAll(destination);
        }
        byte[] content = Files.readAllBytes(destination);
        assertEquals(4 * MIB, content.length);
        assertArrayEquals(new byte[4 * MIB], content);
        assertTrue(NbdkitTestSupport.allocatedBytes(destination) < MIB, "zeroes were written instead of holes");
    }

    @Test
    void progressCallbackFailureFailsTheCopy() throws Exception {
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=4M"));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS)) {
            CopyProgress broken = (copied, total) -> {
                throw new IllegalStateException("state file unwritable");
            };
            IOException e = assertThrows(IOException.class,
                () -> new DiskCopier(client, CopyOptions.DEFAULTS, broken).copyAll(dir.resolve("p.img")));
            assertTrue(e.getMessage().contains("state file unwritable"), e.getMessage());
        }
    }

    @Test
    void rateLimitedProgressPassesTheFirstAndTheFinalUpdateOnce() {
        List<Long> seen = new ArrayList<>();
        CopyProgress limited = CopyProgress.rateLimited((copied, total) -> seen.add(copied), Duration.ofHours(1));
        for (long i = 1; i <= 100; i++) {
            limited.update(i, 100);
        }
        limited.update(100, 100);
        assertEquals(Arrays.asList(1L, 100L), seen);
    }
}
