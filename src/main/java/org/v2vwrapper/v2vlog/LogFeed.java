package org.v2vwrapper.v2vlog;

/**
 * One byte stream (virt-v2v's stdout, its stderr, or the machine-readable log) pushed chunk by chunk into a
 * parser. Feeds of one parser share a lock, so the monitor may push from several threads; each feed keeps its own
 * partial line, so chunks of different streams may alternate freely.
 */
public final class LogFeed {

    private final Object lock;
    private final LineSplitter splitter;

    LogFeed(LineSplitter.LineSink sink, byte marker, Object lock) {
        this.lock = lock;
        this.splitter = new LineSplitter(sink, marker);
    }

    /** Bytes {@code buf[off, off+len)} as read from the stream; the buffer may be reused after the call. */
    public void feed(byte[] buf, int off, int len) {
        synchronized (lock) {
            splitter.feed(buf, off, len);
        }
    }

    /** End of the stream: a last line without its terminator is parsed now. */
    public void close() {
        synchronized (lock) {
            splitter.flush();
        }
    }
}
