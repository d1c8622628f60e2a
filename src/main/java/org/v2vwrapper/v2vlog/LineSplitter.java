package org.v2vwrapper.v2vlog;

import java.util.Arrays;

/**
 * Cuts a byte stream, pushed chunk by chunk, into lines ending in {@code \n} or {@code \r} (progress bars end in
 * {@code \r} alone, so both count; {@code \r\n} yields an extra empty line, which sinks ignore). A line cut by a
 * chunk boundary waits for its end; {@link #flush()} hands over what is left at EOF. Not thread-safe.
 *
 * <p>While it looks for line ends the splitter also notes the first occurrence of one marker byte, so a sink that
 * wants lines holding, say, {@code %} anywhere need not scan every line a second time.
 *
 * <p>A line longer than {@link #MAX_LINE} bytes is cut to its first {@code MAX_LINE} bytes, however the chunks
 * fall: nothing the parser looks for is that long, and a runaway line (a trace of a written file) must not grow
 * memory without bound.
 */
public final class LineSplitter {

    /** Receives each line as {@code buf[start, end)} without its terminator; valid only during the call. */
    @FunctionalInterface
    public interface LineSink {
        /** {@code marker}: index of the first marker byte in the line, or -1. */
        void line(byte[] buf, int start, int end, int marker);
    }

    static final int MAX_LINE = 64 * 1024;

    private final LineSink sink;
    private final byte marker;
    private final long markers;
    private byte[] carry = new byte[256];
    private int carried;
    private boolean inLine;

    /** A splitter noting {@code marker} in each line. */
    public LineSplitter(LineSink sink, byte marker) {
        this.sink = sink;
        this.marker = marker;
        this.markers = ByteScan.broadcast(marker);
    }

    /** A splitter for sinks that need no marker (they get -1 unless a line holds a NUL byte). */
    public LineSplitter(LineSink sink) {
        this(sink, (byte) 0);
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
        start = scan(buf, start, end);
        if (start < end) {
            append(buf, start, end);
        }
    }

    /**
     * Hands over every complete line of {@code buf[start, end)}; returns where the unterminated rest begins.
     * Eight bytes per step, and all hits of a step are handled before the next load ({@link ByteScan#hits}).
     */
    private int scan(byte[] buf, int start, int end) {
        int mark = -1;
        for (int i = start; i < end; i += 8) {
            long hits = i + 8 <= end ? ByteScan.hits(buf, i, markers) : ByteScan.tailHits(buf, i, end, markers);
            for (long hit = hits; hit != 0; hit &= hit - 1) {
                int at = i + (Long.numberOfTrailingZeros(hit) >>> 3);
                byte c = buf[at];
                if (c == '\n' || c == '\r') {
                    emit(buf, start, at, mark);
                    start = at + 1;
                    mark = -1;
                } else if (c == marker && mark < 0) {
                    mark = at;
                }
            }
        }
        return start;
    }

    private void emit(byte[] buf, int start, int eol, int mark) {
        int cut = Math.min(eol, start + MAX_LINE);
        sink.line(buf, start, cut, mark < cut ? mark : -1);
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

    /** A line assembled across chunks: rare, so its marker is found by a plain search. */
    private void emitCarry() {
        int n = carried;
        carried = 0;
        inLine = false;
        sink.line(carry, 0, n, ByteScan.indexOf(carry, 0, n, marker));
    }
}
