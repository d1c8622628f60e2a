package org.v2vwrapper.output.osp;

import java.time.Clock;
import java.time.Duration;

/**
 * How long each OpenStack interaction may take, and the clock and sleeper the waits use (tests pass short values).
 *
 * @param connect        TCP connect timeout of each HTTP request
 * @param read           socket read timeout of each HTTP request
 * @param call           hard deadline of one API call (including re-authentication on a 401); a call that has
 *                       not answered by then is abandoned, whatever the HTTP connector does with {@code read}
 * @param volumeReady    how long a volume may take to become {@code available} (after virt-v2v detached it,
 *                       after a transfer, after a detach in the cleanup)
 * @param serverActive   how long the new instance may take to become {@code ACTIVE}
 * @param serverDeleted  how long the cleanup waits for a failed instance to go away before deleting its volumes
 * @param poll           pause between two status polls
 * @param tokenMargin    re-authenticate when the token expires within this margin (a conversion takes hours)
 */
public record OspTimeouts(Duration connect, Duration read, Duration call, Duration volumeReady,
                          Duration serverActive, Duration serverDeleted, Duration poll, Duration tokenMargin,
                          Clock clock, Sleeper sleeper) {

    /** Pauses between polls; tests replace it to run without real waiting. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public static final Sleeper THREAD_SLEEP = d -> Thread.sleep(d.toMillis());

    public static OspTimeouts defaults() {
        return new OspTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofSeconds(180),
                Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofMinutes(5), Duration.ofSeconds(5),
                Duration.ofMinutes(10), Clock.systemUTC(), THREAD_SLEEP);
    }

    public OspTimeouts withClock(Clock c, Sleeper s) {
        return new OspTimeouts(connect, read, call, volumeReady, serverActive, serverDeleted, poll, tokenMargin, c, s);
    }
}
