package org.v2vwrapper.throttle.limits;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one throttling file (or the request's {@code throttling} key) asks for. For each limit: empty = the key
 * was missing (keep the current value); present and empty = "unlimited"; present with a value = that limit.
 */
public record LimitsUpdate(Optional<OptionalLong> cpuPercent, Optional<OptionalLong> networkBytesPerSecond) {
    public static final LimitsUpdate NOTHING = new LimitsUpdate(Optional.empty(), Optional.empty());

    public Limits applyTo(Limits current) {
        return new Limits(cpuPercent.orElse(current.cpuPercent()),
            networkBytesPerSecond.orElse(current.networkBytesPerSecond()));
    }

    public boolean isEmpty() {
        return cpuPercent.isEmpty() && networkBytesPerSecond.isEmpty();
    }
}
