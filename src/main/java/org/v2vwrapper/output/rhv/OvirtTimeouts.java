package org.v2vwrapper.output.rhv;

import java.time.Duration;

/**
 * Bounds on every conversation with the engine.
 *
 * @param connect        TCP connect and TLS handshake
 * @param read           socket read timeout (no byte for this long: the request fails)
 * @param request        hard limit on one HTTP request, from send to the last byte of the answer (the request is
 *                       aborted when it is reached)
 * @param diskUnlockWait how long cleanup waits for the disks of cancelled transfers to leave the {@code locked}
 *                       state before it gives up on them
 * @param pollInterval   how often cleanup looks at a locked disk again
 */
public record OvirtTimeouts(Duration connect, Duration read, Duration request, Duration diskUnlockWait,
                            Duration pollInterval) {

    public static final OvirtTimeouts DEFAULT = new OvirtTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(60),
            Duration.ofSeconds(120), Duration.ofSeconds(120), Duration.ofSeconds(5));

    public OvirtTimeouts {
        for (Duration d : new Duration[] {connect, read, request, diskUnlockWait, pollInterval}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("oVirt timeouts must be positive");
            }
        }
    }
}
