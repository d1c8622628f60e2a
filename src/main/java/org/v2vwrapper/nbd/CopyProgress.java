package org.v2vwrapper.nbd;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
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

    /**
     * Passes on the first update, then at most one per interval, and the final one (copied == toCopy) once.
     * The check is two atomic reads in the common case, so callers may report after every request.
     */
    static CopyProgress rateLimited(CopyProgress target, Duration interval) {
        long intervalNanos = interval.toNanos();
        AtomicLong nextAllowed = new AtomicLong(System.nanoTime());
        AtomicBoolean finalSent = new AtomicBoolean();
        return (copied, toCopy) -> {
            if (copied >= toCopy) {
                if (finalSent.compareAndSet(false, true)) {
                    target.update(copied, toCopy);
                }
                return;
            }
            long now = System.nanoTime();
            long allowed = nextAllowed.get();
            if (now - allowed >= 0 && nextAllowed.compareAndSet(allowed, now + intervalNanos)) {
                target.update(copied, toCopy);
            }
        };
    }
}
