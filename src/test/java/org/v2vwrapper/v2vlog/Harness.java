package org.v2vwrapper.v2vlog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.DiskProgress;

/**
 * A ConversionState fed by a V2vLogParser, recording every progress value each disk path went through, so tests
 * can check the intermediate values and their order, not only the end.
 */
final class Harness {

    final ConversionState state = new ConversionState();
    final V2vLogParser parser = new V2vLogParser(state);
    final LogFeed stdout = parser.newStream();
    final LogFeed stderr = parser.newStream();
    final LogFeed machineReadable = new MachineReadableParser(state).newStream();
    private final Map<String, List<Double>> history = new LinkedHashMap<>();

    Harness() {
        state.setListener(change -> {
            for (DiskProgress d : state.disks()) {
                List<Double> seen = history.computeIfAbsent(d.path(), p -> new ArrayList<>());
                if (seen.isEmpty() || seen.get(seen.size() - 1) != d.progress()) {
                    seen.add(d.progress());
                }
            }
        });
    }

    /** Feeds {@code data} in chunks of {@code chunk} bytes (so lines are cut across chunks), then closes the feed. */
    static void feedAll(LogFeed feed, byte[] data, int chunk) {
        for (int off = 0; off < data.length; off += chunk) {
            feed.feed(data, off, Math.min(chunk, data.length - off));
        }
        feed.close();
    }

    static void feedAll(LogFeed feed, byte[] data) {
        feedAll(feed, data, 4096);
    }

    static void feedAll(LogFeed feed, String text) {
        feedAll(feed, text.getBytes(StandardCharsets.UTF_8));
    }

    Harness v2v(String text) {
        feedAll(parser.newStream(), text);
        return this;
    }

    /** Progress values the disk with {@code path} went through, consecutive duplicates removed. */
    List<Double> progressOf(String path) {
        return history.getOrDefault(path, List.of());
    }

    Map<String, Object> snapshot() {
        return state.snapshot();
    }
}
