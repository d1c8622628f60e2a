package org.v2vwrapper.throttle.limits;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The limits in force for one run. An empty value means "unlimited".
 *
 * @param cpuPercent            percent of one CPU for virt-v2v and its children (may exceed 100)
 * @param networkBytesPerSecond bytes per second for the run's network copies
 */
public record Limits(OptionalLong cpuPercent, OptionalLong networkBytesPerSecond) {
    public static final Limits UNLIMITED = new Limits(OptionalLong.empty(), OptionalLong.empty());
    static final String UNLIMITED_WORD = "unlimited";
    static final String UNSUPPORTED_WORD = "unsupported";

    public Limits {
        cpuPercent.ifPresent(p -> {
            if (p < 1) {
                throw new IllegalArgumentException("cpu percent must be at least 1");
            }
        });
        networkBytesPerSecond.ifPresent(b -> {
            if (b < 1) {
                throw new IllegalArgumentException("network bytes per second must be at least 1");
            }
        });
    }

    public static Limits of(Long cpuPercent, Long networkBytesPerSecond) {
        return new Limits(cpuPercent == null ? OptionalLong.empty() : OptionalLong.of(cpuPercent),
            networkBytesPerSecond == null ? OptionalLong.empty() : OptionalLong.of(networkBytesPerSecond));
    }

    /**
     * The state file's {@code throttling} object: {@code {"cpu": "50%", "network": "1048576"}}, with
     * "unlimited" for no limit and "unsupported" where the mechanism is missing on this host.
     */
    public Map<String, String> stateView(boolean cpuSupported, boolean networkSupported) {
        Map<String, String> view = new LinkedHashMap<>();
        view.put("cpu", !cpuSupported ? UNSUPPORTED_WORD
            : cpuPercent.isPresent() ? cpuPercent.getAsLong() + "%" : UNLIMITED_WORD);
        view.put("network", !networkSupported ? UNSUPPORTED_WORD
            : networkBytesPerSecond.isPresent() ? Long.toString(networkBytesPerSecond.getAsLong()) : UNLIMITED_WORD);
        return view;
    }
}
