package org.v2vwrapper.precopy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The caller's trigger files in the run directory, polled every {@link #POLL} (so each is noticed within 1 s):
 * {@code cutover} (do the final copy next; left in place), {@code copy_trigger} (start the next pre-copy now;
 * removed when taken), {@code pause_operations} (start nothing while it exists; it wins over the other two).
 */
public final class Triggers {
    private static final Logger LOG = LoggerFactory.getLogger(Triggers.class);
    public static final String CUTOVER = "cutover";
    public static final String COPY_TRIGGER = "copy_trigger";
    public static final String PAUSE = "pause_operations";
    static final Duration POLL = Duration.ofMillis(200);

    /** What the wait ended with. */
    public enum Next { ITERATION, CUTOVER, STOPPED }

    /** Callbacks while waiting: the status to show, and a keep-alive to run now and then. */
    public interface Waiting {
        void status(String status);

        void keepAlive() throws Exception;
    }

    private final Path runDir;
    private final Duration keepAliveEvery;

    public Triggers(Path runDir, Duration keepAliveEvery) {
        this.runDir = runDir;
        this.keepAliveEvery = keepAliveEvery;
    }

    public Path cutoverFile() {
        return runDir.resolve(CUTOVER);
    }

    public boolean cutoverRequested() {
        return Files.exists(cutoverFile());
    }

    /**
     * Waits up to {@code interval} (0: not at all, but the triggers are still read) for a trigger; while
     * {@code pause_operations} exists the status is {@code Paused} and nothing ends the wait but its removal or
     * a stop. Pause time counts towards the interval.
     */
    public Next await(Duration interval, BooleanSupplier stopped, Waiting waiting) throws Exception {
        long deadline = System.nanoTime() + interval.toNanos();
        long nextKeepAlive = System.nanoTime() + keepAliveEvery.toNanos();
        boolean paused = false;
        waiting.status("Waiting");
        while (true) {
            if (stopped.getAsBoolean()) {
                return Next.STOPPED;
            }
            if (Files.exists(runDir.resolve(PAUSE))) {
                if (!paused) {
                    paused = true;
                    LOG.info("{} exists: paused", PAUSE);
                    waiting.status("Paused");
                }
            } else {
                if (paused) {
                    paused = false;
                    LOG.info("{} removed: resuming", PAUSE);
                    waiting.status("Waiting");
                }
                if (cutoverRequested()) {
                    LOG.info("{} exists: final copy next", CUTOVER);
                    return Next.CUTOVER;
                }
                if (takeCopyTrigger()) {
                    LOG.info("{} taken: next pre-copy now", COPY_TRIGGER);
                    return Next.ITERATION;
                }
                if (System.nanoTime() - deadline >= 0) {
                    return Next.ITERATION;
                }
            }
            if (System.nanoTime() - nextKeepAlive >= 0) {
                nextKeepAlive = System.nanoTime() + keepAliveEvery.toNanos();
                waiting.keepAlive();
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private boolean takeCopyTrigger() throws IOException {
        return Files.deleteIfExists(runDir.resolve(COPY_TRIGGER));
    }
}
