package org.v2vwrapper.nbd;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;

/**
 * A byte-rate limit shared by every copy and connection of a run, changeable while they run. Unlimited (the
 * default) costs one volatile read per request.
 *
 * <p>The bucket starts empty and holds at most a tenth of a second of tokens, so a copy never bursts far
 * above the rate. A request larger than that takes what is there and waits for the rest. Waits are cut into
 * slices of at most 50 ms, so that a new rate (or "unlimited") takes effect on requests already waiting.
 */
public final class TokenBucket {
    /** A bucket that never limits; the default of {@link CopyOptions}. */
    public static final TokenBucket UNLIMITED = new TokenBucket(0, true);

    private static final long MAX_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final boolean frozen;
    private volatile long rate;
    private double level;
    private long lastRefill = System.nanoTime();

    /** @param bytesPerSecond the initial rate; 0 = unlimited */
    public TokenBucket(long bytesPerSecond) {
        this(bytesPerSecond, false);
    }

    private TokenBucket(long bytesPerSecond, boolean frozen) {
        checkRate(bytesPerSecond);
        this.rate = bytesPerSecond;
        this.frozen = frozen;
    }

    public static TokenBucket unlimited() {
        return new TokenBucket(0);
    }

    /** 0 = unlimited. Takes effect on the next slice of every waiting request. */
    public void setRate(long bytesPerSecond) {
        if (frozen) {
            throw new UnsupportedOperationException("the shared UNLIMITED bucket cannot be limited");
        }
        checkRate(bytesPerSecond);
        synchronized (this) {
            refill(System.nanoTime());
            rate = bytesPerSecond;
            level = Math.min(level, capacity(bytesPerSecond));
        }
    }

    public long rate() {
        return rate;
    }

    /** Blocks until {@code bytes} may be sent at the current rate. */
    public void acquire(long bytes) throws InterruptedIOException {
        long needed = bytes;
        while (needed > 0) {
            if (rate == 0) {
                return;
            }
            long sleepNanos;
            synchronized (this) {
                long current = rate;
                if (current == 0) {
                    return;
                }
                refill(System.nanoTime());
                long taken = (long) Math.min(needed, Math.floor(level));
                level -= taken;
                needed -= taken;
                if (needed == 0) {
                    return;
                }
                // Time until the rest (or a full bucket, if the rest is bigger) has come in.
                double wanted = Math.min(needed, capacity(current));
                sleepNanos = Math.min(MAX_SLICE_NANOS, Math.max(1, (long) ((wanted - level) * NANOS_PER_SECOND / current)));
            }
            try {
                TimeUnit.NANOSECONDS.sleep(sleepNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the bandwidth limit");
            }
        }
    }

    private void refill(long now) {
        long current = rate;
        if (current > 0) {
            level = Math.min(capacity(current), level + (double) (now - lastRefill) * current / NANOS_PER_SECOND);
        }
        lastRefill = now;
    }

    private static double capacity(long rate) {
        return Math.max(1.0, rate / 10.0);
    }

    private static void checkRate(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("rate must not be negative");
        }
    }

    @Override
    public String toString() {
        long current = rate;
        return current == 0 ? "unlimited" : current + " bytes/s";
    }
}
