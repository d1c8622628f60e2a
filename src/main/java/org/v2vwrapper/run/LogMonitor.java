package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * The monitor thread: polls virt-v2v's logs every {@link #POLL_MS} while it runs and feeds the parsers, which
 * update the conversion state. {@link #stop()} drains what is left after the process has exited.
 */
final class LogMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(LogMonitor.class);
    static final long POLL_MS = 50;

    private final List<LogTail> tails;
    private final Thread thread;
    private volatile boolean running = true;

    LogMonitor(List<LogTail> tails) {
        this.tails = tails;
        this.thread = new Thread(this::loop, "log-monitor");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                boolean any = false;
                for (LogTail t : tails) {
                    any |= t.poll();
                }
                if (!any) {
                    Thread.sleep(POLL_MS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // A monitoring problem must not kill the conversion: log it and keep going.
                LOG.warn("log monitor: {}", e.toString());
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Stops polling and feeds the parsers whatever the logs still hold. */
    void stop() {
        // No interrupt: it would close the FileChannels under the reader (ClosedByInterruptException).
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (LogTail t : tails) {
            try {
                t.drainAndEnd();
            } catch (IOException | RuntimeException e) {
                LOG.warn("log monitor: draining failed: {}", e.toString());
            }
        }
    }
}
