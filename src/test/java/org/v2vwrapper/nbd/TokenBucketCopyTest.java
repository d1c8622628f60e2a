package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.nbd.NbdkitTestSupport.MIB;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NBD engine under a bandwidth limit, with the real nbdkit; the bucket is shared by all connections. */
class TokenBucketCopyTest {
    private static final NbdClientOptions OPTIONS = NbdClientOptions.DEFAULTS
        .withConnectTimeout(Duration.ofSeconds(10)).withRequestTimeout(Duration.ofSeconds(60));
    private static final long SIZE = 100L * MIB;

    @TempDir
    Path dir;

    @AfterEach
    void nothingLeft() {
        NbdkitTestSupport.assertNoNbdkitLeft();
    }

    private double copySeconds(TokenBucket bucket, Runnable whileCopying) throws Exception {
        NbdkitTestSupport.assumeNbdkit();
        Path destination = dir.resolve("copy.img");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=100M"));
             NbdClient client = NbdClient.connect(nbdkit.uri(), OPTIONS.withConnections(3))) {
            assertEquals(3, client.connections().size(), "the limit must hold over several connections");
            whileCopying.run();
            CopyResult result = new DiskCopier(client, CopyOptions.DEFAULTS.withBandwidth(bucket), CopyProgress.NONE)
                .copyAll(destination);
            assertEquals(SIZE, result.dataBytes());
            NbdkitTestSupport.assertPattern(destination, SIZE);
            return result.elapsed().toNanos() / 1e9;
        }
    }

    @Test
    void twentyMegabytesPerSecondCopiesAHundredInFiveSeconds() throws Exception {
        double seconds = copySeconds(new TokenBucket(20L * MIB), () -> { });
        System.out.printf("100 MiB at 20 MiB/s: %.2f s (%.1f MiB/s)%n", seconds, 100 / seconds);
        assertTrue(seconds >= 4.0 && seconds <= 6.0, "took " + seconds + " s, expected 5 s ± 20 %");
    }

    @Test
    void theLimitChangesMidCopy() throws Exception {
        TokenBucket bucket = new TokenBucket(10L * MIB);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            // 2 s at 10 MiB/s (20 MiB), then 80 MiB at 40 MiB/s (2 s): 4 s in all; 10 s if the change were
            // missed, 2.5 s if the first rate were.
            double seconds = copySeconds(bucket,
                () -> timer.schedule(() -> bucket.setRate(40L * MIB), 2, TimeUnit.SECONDS));
            System.out.printf("100 MiB at 10 then 40 MiB/s: %.2f s%n", seconds);
            assertTrue(seconds >= 3.2 && seconds <= 4.8, "took " + seconds + " s, expected 4 s ± 20 %");
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void twoCopiesAtOnceShareOneLimit() throws Exception {
        NbdkitTestSupport.assumeNbdkit();
        TokenBucket bucket = new TokenBucket(20L * MIB);
        try (NbdkitProcess a = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=50M"));
             NbdkitProcess b = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=50M"));
             NbdClient ca = NbdClient.connect(a.uri(), OPTIONS);
             NbdClient cb = NbdClient.connect(b.uri(), OPTIONS)) {
            CopyOptions options = CopyOptions.DEFAULTS.withBandwidth(bucket);
            long start = System.nanoTime();
            var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new DiskCopier(ca, options, CopyProgress.NONE).copyAll(dir.resolve("a.img"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            new DiskCopier(cb, options, CopyProgress.NONE).copyAll(dir.resolve("b.img"));
            first.get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("2 × 50 MiB at once under one 20 MiB/s limit: %.2f s%n", seconds);
            assertTrue(seconds >= 4.0 && seconds <= 6.0, "took " + seconds + " s, expected 5 s ± 20 %");
        }
    }

    @Test
    void unlimitedIsAFastPathAndTheSharedUnlimitedBucketStaysUnlimited() throws Exception {
        TokenBucket bucket = TokenBucket.unlimited();
        long start = System.nanoTime();
        for (int i = 0; i < 1_000_000; i++) {
            bucket.acquire(1 << 20);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "unlimited acquire waited");
        assertThrows(UnsupportedOperationException.class, () -> TokenBucket.UNLIMITED.setRate(5));
        assertEquals(TokenBucket.UNLIMITED, CopyOptions.DEFAULTS.bandwidth());
        assertThrows(IllegalArgumentException.class, () -> bucket.setRate(-1));
    }

    @Test
    void liftingTheLimitReleasesAWaitingRequest() throws Exception {
        TokenBucket bucket = new TokenBucket(1000);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            timer.schedule(() -> bucket.setRate(0), 300, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            bucket.acquire(1_000_000); // 1000 s at the first rate
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the new rate was not seen");
        } finally {
            timer.shutdownNow();
        }
    }
}
