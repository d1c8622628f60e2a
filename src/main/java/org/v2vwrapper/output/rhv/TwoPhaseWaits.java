package org.v2vwrapper.output.rhv;

import java.time.Duration;

/**
 * Bounds on the waits of two-phase to oVirt. Polls start at {@code firstPoll} and double up to {@code maxPoll},
 * so a quick engine answers quickly and a slow one is not hammered.
 *
 * @param diskOk    a new disk's way from {@code locked} to {@code ok}
 * @param device    an attached disk's {@code virtio-…} link appearing under {@code --dev-disk-by-id}
 * @param detach    detaching (the engine no longer listing the attachment)
 */
public record TwoPhaseWaits(Duration diskOk, Duration device, Duration detach, Duration firstPoll, Duration maxPoll) {
    public static final TwoPhaseWaits DEFAULT = new TwoPhaseWaits(Duration.ofMinutes(10), Duration.ofMinutes(2),
            Duration.ofMinutes(10), Duration.ofMillis(100), Duration.ofSeconds(2));

    public TwoPhaseWaits {
        for (Duration d : new Duration[] {diskOk, device, detach, firstPoll, maxPoll}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("two-phase waits must be positive");
            }
        }
    }

    /** Sleeps the next poll interval of a wait: {@code firstPoll}, doubling up to {@code maxPoll}. */
    static final class Backoff {
        private final Duration max;
        private Duration next;

        Backoff(TwoPhaseWaits waits) {
            this.next = waits.firstPoll();
            this.max = waits.maxPoll();
        }

        void sleep() throws InterruptedException {
            Thread.sleep(next.toMillis());
            Duration doubled = next.multipliedBy(2);
            next = doubled.compareTo(max) > 0 ? max : doubled;
        }
    }
}
