package org.v2vwrapper.nbd;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Whether this host's nbdkit has a filter: asks {@code nbdkit --dump-plugin --filter=NAME null} once per name. */
final class NbdkitFilters {
    private static final Logger LOG = LoggerFactory.getLogger(NbdkitFilters.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
    private static final Map<String, Boolean> AVAILABLE = new ConcurrentHashMap<>();

    private NbdkitFilters() {
    }

    static boolean isAvailable(String nbdkit, String filter) {
        return AVAILABLE.computeIfAbsent(nbdkit + "\0" + filter, key -> probe(nbdkit, filter));
    }

    private static boolean probe(String nbdkit, String filter) {
        try {
            ExternalCommand.Result result =
                ExternalCommand.run(List.of(nbdkit, "--dump-plugin", "--filter=" + filter, "null"), PROBE_TIMEOUT);
            if (!result.succeeded()) {
                LOG.info("nbdkit filter {} is not available: {}", filter, result.output());
            }
            return result.succeeded();
        } catch (IOException e) {
            LOG.warn("cannot probe nbdkit filter {}: {}", filter, e.getMessage());
            return false;
        }
    }
}
