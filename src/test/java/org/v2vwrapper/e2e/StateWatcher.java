package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads the state file as fast as it can while a run goes on, as a polling caller would: records every
 * distinct content, and every read that was not a complete JSON object.
 */
public final class StateWatcher implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One distinct state seen, with the time it was first seen. */
    public record Seen(long nanos, JsonNode state) {
    }

    private final Path file;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<String> invalid = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long reads;

    public StateWatcher(Path file) {
        this.file = file;
        this.thread = new Thread(this::loop, "state-watcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private String last;

    private void loop() {
        while (running) {
            readOnce();
            Thread.onSpinWait();
        }
        // The stop may come between a read and the wrapper's final write: one more read sees the end state.
        readOnce();
    }

    private void readOnce() {
        {
            try {
                String text = Files.readString(file);
                reads++;
                if (!text.equals(last)) {
                    last = text;
                    try {
                        JsonNode node = MAPPER.readTree(text);
                        if (node == null || !node.isObject()) {
                            invalid.add(text);
                        } else {
                            seen.add(new Seen(System.nanoTime(), node));
                        }
                    } catch (IOException e) {
                        invalid.add(text);
                    }
                }
            } catch (NoSuchFileException e) {
                // not written yet
            } catch (IOException e) {
                invalid.add("read failed: " + e);
            }
        }
    }

    public List<Seen> seen() {
        return new ArrayList<>(seen);
    }

    public List<String> invalid() {
        return new ArrayList<>(invalid);
    }

    public long reads() {
        return reads;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
