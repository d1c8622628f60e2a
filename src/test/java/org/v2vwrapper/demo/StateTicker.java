package org.v2vwrapper.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Polls a run's state file every 200 ms as a caller would (5 polls a second are plenty on a loaded machine), prints
 * one line whenever it changes (when given a stream), keeps every distinct state (when given a directory) and the
 * time each top-level {@code status} was first seen, for the bench's break-down.
 */
final class StateTicker implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** A status and when it was first seen ({@link System#nanoTime()}). */
    record StatusSeen(String status, long nanos) {
    }

    private final Path stateFile;
    private final PrintStream out;
    private final Path keepDir;
    private final List<StatusSeen> statuses = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private String lastText;
    private JsonNode last;
    private String lastLine;
    private int kept;

    StateTicker(Path stateFile, PrintStream out, Path keepDir) {
        this.stateFile = stateFile;
        this.out = out;
        this.keepDir = keepDir;
        this.thread = new Thread(this::loop, "state-ticker");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        while (running) {
            poll();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
        poll();
    }

    private synchronized void poll() {
        String text;
        JsonNode s;
        try {
            text = Files.readString(stateFile);
            s = MAPPER.readTree(text);
        } catch (IOException notYet) {
            return;
        }
        if (s == null || !s.isObject() || text.equals(lastText)) {
            return;
        }
        lastText = text;
        last = s;
        String status = s.path("status").asText();
        if (statuses.isEmpty() || !statuses.get(statuses.size() - 1).status().equals(status)) {
            statuses.add(new StatusSeen(status, System.nanoTime()));
        }
        if (keepDir != null) {
            try {
                Files.writeString(keepDir.resolve(String.format("%03d.json", ++kept)), text);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        // One line per change a reader can see (the file also changes in fields the line leaves out).
        String line = line(s);
        if (out != null && !line.equals(lastLine)) {
            out.println(LocalTime.now().format(CLOCK) + " " + line);
        }
        lastLine = line;
    }

    /** Status, then per disk: progress of the current copy and which copy it is, then the last message. */
    static String line(JsonNode s) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-34s", s.path("status").asText()));
        for (JsonNode d : s.path("disks")) {
            String path = d.path("path").asText();
            b.append(String.format(Locale.ROOT, " %s %5.1f%%", path.substring(path.lastIndexOf('/') + 1),
                    d.path("progress").asDouble()));
            JsonNode copies = d.path("copies");
            if (copies.size() > 0) {
                JsonNode c = copies.get(copies.size() - 1);
                b.append(String.format(Locale.ROOT, " copy %d (%s, %.1f/%.1f MiB)", copies.size(),
                        c.path("status").asText(), c.path("copied").asLong() / 1048576.0,
                        c.path("to_copy").asLong() / 1048576.0));
            }
        }
        if (s.has("last_message")) {
            b.append("  [").append(s.path("last_message").path("type").asText()).append("] ")
                    .append(s.path("last_message").path("message").asText().lines().findFirst().orElse(""));
        }
        if (s.path("finished").asBoolean()) {
            b.append("  finished, failed=").append(s.path("failed").asBoolean());
        }
        return b.toString();
    }

    /** Waits (polling itself) until the latest state satisfies {@code condition}; fails after {@code seconds}. */
    JsonNode await(Predicate<JsonNode> condition, long seconds, Process wrapper) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode s;
            synchronized (this) {
                poll();
                s = last;
            }
            if (s != null && condition.test(s)) {
                return s;
            }
            if (s != null && s.path("finished").asBoolean()) {
                throw new IllegalStateException("the run finished before the awaited state: " + line(s));
            }
            if (!wrapper.isAlive()) {
                synchronized (this) {
                    poll();
                    s = last;
                }
                if (s != null && condition.test(s)) {
                    return s;
                }
                throw new IllegalStateException("the wrapper exited (" + wrapper.exitValue()
                        + ") before the awaited state; last: " + (s == null ? "(no state)" : line(s)));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the awaited state did not come within " + seconds + " s; last: "
                + (last == null ? "(no state)" : line(last)));
    }

    synchronized List<StatusSeen> statuses() {
        return List.copyOf(statuses);
    }

    synchronized JsonNode last() {
        return last;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(2000);
        poll();
    }

    /** Every disk's {@code n}-th copy ended and the run waits (between iterations). */
    static Predicate<JsonNode> waitingAfterCopy(int n) {
        return s -> "Waiting".equals(s.path("status").asText()) && s.path("disks").size() > 0
                && allDisks(s, d -> d.path("copies").size() == n && d.path("copies").get(n - 1).has("end_time"));
    }

    private static boolean allDisks(JsonNode s, Predicate<JsonNode> p) {
        for (JsonNode d : s.path("disks")) {
            if (!p.test(d)) {
                return false;
            }
        }
        return true;
    }
}
