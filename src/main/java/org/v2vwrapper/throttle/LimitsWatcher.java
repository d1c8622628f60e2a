package org.v2vwrapper.throttle;

import org.v2vwrapper.throttle.limits.LimitsParser;
import org.v2vwrapper.throttle.limits.LimitsUpdate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the throttling file ({@code <run-dir>/limits.json}) on a daemon thread, polling it (a WatchService
 * misses changes on some network and overlay file systems, and a poll well under a second meets the 5 s
 * contract anyway).
 *
 * <p>A file is read once it has not changed between two polls, because callers (ManageIQ copies it over
 * SSH) do not write it atomically; a half-written file would otherwise be read, rejected and deleted. After
 * reading, the file is removed, as wrapper 1.x did, so that the caller sees it was taken; a file rewritten in
 * the meantime is left for the next poll.
 */
public final class LimitsWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LimitsWatcher.class);
    /** Far above anything ManageIQ writes; a bigger file is not read into memory. */
    static final long MAX_SIZE = 64 * 1024;

    private final Path file;
    private final Duration poll;
    private final Consumer<LimitsUpdate> onUpdate;
    private final Consumer<String> onWarning;
    private final Thread thread;
    private volatile boolean stopping;
    private Stamp seen;

    private record Stamp(Object key, long size, long modified) {
    }

    public LimitsWatcher(Path file, Duration poll, Consumer<LimitsUpdate> onUpdate, Consumer<String> onWarning) {
        this.file = file;
        this.poll = poll;
        this.onUpdate = onUpdate;
        this.onWarning = onWarning;
        this.thread = new Thread(this::run, "limits-watcher");
        thread.setDaemon(true);
    }

    public LimitsWatcher start() {
        thread.start();
        return this;
    }

    public Path file() {
        return file;
    }

    private void run() {
        while (!stopping) {
            try {
                pollOnce();
            } catch (RuntimeException e) {
                // a callback's failure must not end the watching
                LOG.warn("applying the throttling file failed: {}", e.toString());
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One look at the file; the thread calls it every poll interval. Package-private for tests. */
    void pollOnce() {
        Stamp now = stamp();
        if (now == null) {
            seen = null;
            return;
        }
        if (!now.equals(seen)) {
            seen = now;
            return; // still being written, perhaps: wait one more poll
        }
        seen = null;
        if (now.size() > MAX_SIZE) {
            remove(now);
            onWarning.accept("throttling file ignored: it is larger than " + MAX_SIZE + " bytes");
            return;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            LOG.warn("cannot read the throttling file {}: {}", file, e.getMessage());
            return;
        }
        remove(now);
        LimitsParser.FileResult result = LimitsParser.parseFile(content);
        if (result instanceof LimitsParser.Parsed parsed) {
            LOG.info("throttling file read: {}", parsed.update());
            onUpdate.accept(parsed.update());
        } else if (result instanceof LimitsParser.Malformed malformed) {
            LOG.warn("{}", malformed.message());
            onWarning.accept(malformed.message());
        }
    }

    private void remove(Stamp read) {
        try {
            if (read.equals(stamp())) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove the throttling file {}: {}", file, e.getMessage());
        }
    }

    private Stamp stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (!a.isRegularFile()) {
                return null;
            }
            return new Stamp(Objects.requireNonNullElse(a.fileKey(), ""), a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (IOException e) {
            return null;
        }
    }

    /** Stops the thread and waits for it; idempotent. */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
