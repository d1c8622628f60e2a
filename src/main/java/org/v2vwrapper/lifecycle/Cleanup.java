package org.v2vwrapper.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Undo actions registered while the run sets itself up (secret files, ssh-agent, nbdkit, child processes),
 * run in reverse order exactly once: at the normal end, after a failure, or from the shutdown hook on
 * SIGTERM/SIGINT, whichever comes first.
 */
public final class Cleanup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cleanup.class);

    /** An undo action; it may throw, the others still run. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private record Named(String what, Action action) {
    }

    private final Deque<Named> actions = new ArrayDeque<>();

    public synchronized void register(String what, Action action) {
        actions.push(new Named(what, action));
    }

    /** Runs every registered action once, newest first; safe to call again and from several threads. */
    @Override
    public void close() {
        while (true) {
            Named next;
            synchronized (this) {
                next = actions.poll();
            }
            if (next == null) {
                return;
            }
            try {
                LOG.debug("cleanup: {}", next.what());
                next.action().run();
            } catch (Exception e) {
                LOG.warn("cleanup of {} failed: {}", next.what(), e.toString());
            }
        }
    }
}
