package org.v2vwrapper.nbd;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a copy reports how far it is. Called from the copier's I/O threads: implementations must be quick
 * and thread-safe. Wrap a costly one (e.g. one that writes the state file) in {@link #rateLimited}.
 */
@FunctionalInterface
public interface CopyProgress {
    CopyProgress NONE = (copied, toCopy) -> { };

    /**
     * @param copied bytes of the requested ranges that are done (data written or zeroes handled)
     * @param toCopy bytes of the requested ranges in all
     */
    void update(long copied, long toCopy);

    /** Passes on at most one update per interval, plus always the final one (copied == toCopy). */
    static CopyProgress rateLimited(CopyProgress target, Duration interval) {
        long intervalNanos = interval.toNanos();
        AtomicLong nextAllowed = new AtomicLong(System.nanoTime());
        return (copied, toCopy) -> {
            long now = System.nanoTime();
            long allowed = nextAllowed.get();
            boolean last = copied >= toCopy;
            if (last || (now - allowed >= 0 && nextAllowed.compareAndSet(allowed, now + intervalNanos))) {
                target.update(copied, toCopy);
            }
        };
    }
}
