package org.v2vwrapper.v2vlog;

import java.util.Arrays;

/**
 * Cuts a byte stream, pushed chunk by chunk, into lines ending in {@code \n} or {@code \r} (progress bars end in
 * {@code \r} alone, so both count; {@code \r\n} yields an extra empty line, which sinks ignore). A line cut by a
 * chunk boundary waits for its end; {@link #flush()} hands over what is left at EOF. Not thread-safe.
 *
 * <p>A line longer than {@link #MAX_LINE} bytes is cut to its first {@code MAX_LINE} bytes, however the chunks
 * fall: nothing the parser looks for is that long, and a runaway line (a trace of a written file) must not grow
 * memory without bound.
 */
public final class LineSplitter {

    /** Receives each line as {@code buf[start, end)} without its terminator; valid only during the call. */
    @FunctionalInterface
    public interface LineSink {
        void line(byte[] buf, int start, int end);
    }

    static final int MAX_LINE = 64 * 1024;

    private final LineSink sink;
    private byte[] carry = new byte[256];
    private int carried;
    private boolean inLine;

    public LineSplitter(LineSink sink) {
        this.sink = sink;
    }

    public void feed(byte[] buf, int off, int len) {
        int end = off + len;
        int start = off;
        if (inLine) {
            int eol = ByteScan.indexOfEol(buf, start, end);
            if (eol < 0) {
                append(buf, start, end);
                return;
            }
            append(buf, start, eol);
            emitCarry();
            start = eol + 1;
        }
        int eol;
        while ((eol = ByteScan.indexOfEol(buf, start, end)) >= 0) {
            sink.line(buf, start, Math.min(eol, start + MAX_LINE));
            start = eol + 1;
        }
        if (start < end) {
            append(buf, start, end);
        }
    }

    /** End of stream: a last line without terminator is handed over. */
    public void flush() {
        if (inLine) {
            emitCarry();
        }
    }

    private void append(byte[] buf, int from, int to) {
        inLine = true;
        int n = Math.min(to - from, MAX_LINE - carried);
        if (n <= 0) {
            return;
        }
        if (carried + n > carry.length) {
            carry = Arrays.copyOf(carry, Math.min(MAX_LINE, Math.max(carry.length * 2, carried + n)));
        }
        System.arraycopy(buf, from, carry, carried, n);
        carried += n;
    }

    private void emitCarry() {
        int n = carried;
        carried = 0;
        inLine = false;
        sink.line(carry, 0, n);
    }
}
