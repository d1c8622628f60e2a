package org.v2vwrapper.state;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The one component that writes the state file. Listens to {@link ConversionState} changes: a phase change is
 * written at once, progress at most once per {@link #PROGRESS_INTERVAL_MS} (so a progress line reaches the
 * file within about a second). {@link #close()} writes the final state and stops.
 */
public final class StatePublisher implements ConversionState.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatePublisher.class);
    static final long PROGRESS_INTERVAL_MS = 900;

    private final ConversionState state;
    private final StateFile file;
    private final Thread thread;
    private boolean dirty;
    private boolean urgent;
    private boolean closed;
    private long lastWrite;

    public StatePublisher(ConversionState state, StateFile file) {
        this.state = state;
        this.file = file;
        this.thread = new Thread(this::loop, "state-publisher");
        this.thread.setDaemon(true);
    }

    /** Writes the current state now, then keeps it current in the background. */
    public StatePublisher start() throws IOException {
        file.write(state.snapshot());
        lastWrite = System.nanoTime();
        state.setListener(this);
        thread.start();
        return this;
    }

    @Override
    public synchronized void changed(ConversionState.Change change) {
        dirty = true;
        if (change == ConversionState.Change.PHASE) {
            urgent = true;
        }
        notifyAll();
    }

    private void loop() {
        try {
            while (true) {
                synchronized (this) {
                    while (!closed) {
                        long waitMs = PROGRESS_INTERVAL_MS - (System.nanoTime() - lastWrite) / 1_000_000;
                        if (urgent || (dirty && waitMs <= 0)) {
                            break;
                        }
                        wait(dirty ? Math.max(1, waitMs) : 0);
                    }
                    if (closed) {
                        return;
                    }
                    dirty = false;
                    urgent = false;
                }
                writeNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes the current state immediately (from any thread). */
    public void writeNow() {
        try {
            file.write(state.snapshot());
            synchronized (this) {
                lastWrite = System.nanoTime();
            }
        } catch (IOException e) {
            LOG.error("cannot write the state file {}: {}", file.path(), e.toString());
        }
    }

    /** Stops the background writer and writes the final state. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state.setListener(null);
        writeNow();
    }
}
