package org.v2vwrapper.v2vlog;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * {@code replay-log} of a regular file: the v2v log is scanned in place in its memory mapping (no copy out of the
 * page cache), on two threads when there are two CPUs, and only the few lines that can matter to the
 * {@link V2vLogParser} are copied out and parsed, sequentially, in file order.
 *
 * <p>Two phases per mapped segment:
 * <ol>
 *   <li><b>Pre-scan</b> ({@link Candidates}, parallel: the segment is cut in two at a line end): finds the line ends
 *       and each line's first {@code %} eight bytes at a time, as {@link LineSplitter} does, and keeps a line only
 *       if the parser might act on it. The test is conservative and stateless but for one counter (below).</li>
 *   <li><b>Parse</b> (sequential): each kept line, in order, goes to {@link V2vLogParser#line} exactly as the
 *       splitter would have handed it over (cut to {@link LineSplitter#MAX_LINE}, same {@code %} index).</li>
 * </ol>
 * The result is the same as feeding the whole file through {@link V2vLogParser#newStream()} because a dropped line
 * is one the parser would have returned from without touching any state: it is blank, or holds no {@code %}, starts
 * (after indentation) with none of the bytes the parser dispatches on, and does not fall within the parser's
 * window after {@code running nbdkit:}. That window is the parser's only line-counting state: the pre-scan keeps
 * its own counter, set on every line that could open the window (any line starting with {@code r} or {@code [})
 * and counted down like the parser's, so it is never below the parser's; a part that does not start the file
 * starts with the counter full. {@code MappedLogTest} checks the equality on the fixtures and a generated log,
 * with small segments and forced splits.
 */
public final class MappedLog {

    /** Mapped at a time: a mapping is limited to 2 GiB, and smaller windows keep the address space modest. */
    static final int MAP_WINDOW = 1 << 30;
    /** Below this a segment is scanned on one thread: starting a thread is not worth it. */
    static final int PARALLEL_MIN = 8 << 20;

    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);

    private MappedLog() {
    }

    /**
     * Parses the whole of {@code ch} (a regular file) into {@code parser}: on two threads if there are two CPUs,
     * unless the system property {@code v2v-wrapper.replay-threads} says 1 (for benchmarks).
     */
    public static void replay(FileChannel ch, V2vLogParser parser) throws IOException {
        int threads = Runtime.getRuntime().availableProcessors() > 1 ? 2 : 1;
        threads = Math.min(threads, Integer.getInteger("v2v-wrapper.replay-threads", 2));
        replay(ch, parser, MAP_WINDOW, threads, PARALLEL_MIN);
    }

    /**
     * As {@link #replay(FileChannel, V2vLogParser)}, with the segment size and the split threshold for tests;
     * a window is at least {@link LineSplitter#MAX_LINE} + 1 bytes, so that a longer line is cut alike.
     */
    static void replay(FileChannel ch, V2vLogParser parser, int mapWindow, int threads, int parallelMin)
            throws IOException {
        long size = ch.size();
        int window = Math.max(mapWindow, LineSplitter.MAX_LINE + 1);
        byte[] line = new byte[256];
        boolean skipping = false; // inside a line longer than a window, whose first MAX_LINE bytes were handed over
        boolean first = true;
        for (long pos = 0; pos < size; ) {
            int length = (int) Math.min(window, size - pos);
            MappedByteBuffer bb = ch.map(FileChannel.MapMode.READ_ONLY, pos, length);
            if (skipping) {
                int eol = firstEol(bb, 0, length);
                pos += eol < 0 ? length : eol + 1;
                skipping = eol < 0;
                continue;
            }
            boolean eof = pos + length == size;
            int end = eof ? length : lastEol(bb, 0, length) + 1;
            if (end == 0) {
                // a line longer than the window: its first MAX_LINE bytes as a line (as LineSplitter cuts it)
                end = LineSplitter.MAX_LINE;
                eof = true;
                skipping = true;
            }
            Candidates kept = scan(bb, 0, end, eof, first ? 0 : V2vLogParser.NBDKIT_ARGS_WINDOW, threads,
                    parallelMin);
            line = kept.parse(bb, parser, line);
            pos += skipping ? length : end;
            first = false;
        }
    }

    private static Candidates scan(ByteBuffer bb, int from, int to, boolean eof, int window, int threads,
            int parallelMin) {
        Candidates a = new Candidates(window);
        int mid = threads > 1 && to - from >= parallelMin ? firstEol(bb, from + (to - from) / 2, to) + 1 : 0;
        if (mid <= 0 || mid >= to) {
            a.scan(bb, from, to, eof);
            return a;
        }
        Candidates b = new Candidates(V2vLogParser.NBDKIT_ARGS_WINDOW);
        Thread helper = new Thread(() -> {
            try {
                b.scan(bb, mid, to, eof);
            } catch (RuntimeException | Error e) {
                b.failure = e;
            }
        }, "replay-log-scan");
        helper.setDaemon(true);
        helper.start();
        a.scan(bb, from, mid, false);
        boolean interrupted = false;
        while (true) {
            try {
                helper.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (b.failure instanceof RuntimeException) {
            throw (RuntimeException) b.failure;
        } else if (b.failure != null) {
            throw (Error) b.failure;
        }
        a.append(b);
        return a;
    }

    static int firstEol(ByteBuffer bb, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = bb.get(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return -1;
    }

    /** Index of the last line end in {@code bb[from, to)}, or -1. */
    static int lastEol(ByteBuffer bb, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            byte c = bb.get(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The lines of one part of a segment that may matter, as triples (start, cut end, first {@code %} or -1) of
     * buffer indices. One instance per thread.
     */
    static final class Candidates {

        private static final long PERCENTS = ByteScan.broadcast((byte) '%');
        private static final long NBDKIT = word("nbdkit: ");
        private static final long DEBUG_O = word("debug: O");
        private static final long BLANKS = ByteScan.broadcast((byte) ' ');
        /** First bytes of a line that need a closer look: indentation and those {@code V2vLogParser} dispatches on. */
        private static final int[] FIRST = new int[256];

        static {
            for (char c : " \tCrod<[n".toCharArray()) {
                FIRST[c] = 1;
            }
        }

        private int[] lines = new int[3 * 64];
        private int count; // ints used in lines
        /** Lines still to keep after one that may be {@code running nbdkit:} (see the class comment). */
        private int window;
        /** The buffer's limit: {@link #line} reads words up to 40 bytes past a line's start. */
        private int limit;
        Throwable failure;

        Candidates(int window) {
            this.window = window;
        }

        private static long word(String s) {
            byte[] b = ByteScan.ascii(s);
            long w = 0;
            for (int k = 7; k >= 0; k--) {
                w = w << 8 | (b[k] & 0xFFL);
            }
            return w;
        }

        /**
         * Every line of {@code bb[from, to)}, where {@code from} starts a line; an unterminated rest is a line only at
         * {@code eof}. The hot loop: eight bytes per step, the byte of each hit taken from the word already loaded.
         */
        void scan(ByteBuffer bb, int from, int to, boolean eof) {
            limit = bb.limit();
            int start = from;
            int mark = -1;
            int i = from;
            for (; i + 8 <= to; i += 8) {
                long x = (long) LONGS.get(bb, i);
                for (long hit = ByteScan.hits(x, PERCENTS); hit != 0; hit &= hit - 1) {
                    int bit = Long.numberOfTrailingZeros(hit);
                    byte c = (byte) (x >>> (bit - 7));
                    if (c == '\n' || c == '\r') {
                        int at = i + (bit >>> 3);
                        line(bb, start, at, mark);
                        start = at + 1;
                        mark = -1;
                    } else if (c == '%' && mark < 0) {
                        mark = i + (bit >>> 3);
                    }
                }
            }
            for (; i < to; i++) {
                byte c = bb.get(i);
                if (c == '\n' || c == '\r') {
                    line(bb, start, i, mark);
                    start = i + 1;
                    mark = -1;
                } else if (c == '%' && mark < 0) {
                    mark = i;
                }
            }
            if (eof && start < to) {
                line(bb, start, to, mark);
            }
        }

        /**
         * The line {@code bb[s, e)} ({@code mark}: its first {@code %} or -1): kept if the parser may act on it.
         * The common case, a noise line outside the window, is settled from a few words already in the cache: its
         * first byte is none the parser dispatches on, or it is an {@code nbdkit: } line without {@code debug: O…}
         * where the parser looks for {@code debug: Opening file}. Everything else takes {@link #exactLine}.
         *
         * <p>Written with as few branches as possible, and all the rare cases (a {@code %}, the window, a short line,
         * {@code Copying disk}, {@code Opening file}, …) meet at one branch that the frequent progress lines take
         * too: C2 compiles what its profile saw, and a branch first taken after compilation (the second disk's
         * {@code Copying} line, half-way) would throw the compiled loop away and start profiling again.
         */
        private void line(ByteBuffer bb, int s, int e, int mark) {
            if (s + 40 > limit) {
                exactLine(bb, s, e, mark);
                return;
            }
            long w = (long) LONGS.get(bb, s);
            int first = (int) w & 0xFF;
            int slow = (~mark | -window | (e - s - 40)) >>> 31; // a %, within the window, or short
            if ((FIRST[first] | slow) == 0) {
                return;
            }
            int notN = nonZero(first ^ 'n');
            int notNbdkit = nonZero(w ^ NBDKIT);
            long w2 = (long) LONGS.get(bb, s + 8);
            long blanks2 = ByteScan.zeroBytes(w2 ^ BLANKS);
            long blanks3 = ByteScan.zeroBytes((long) LONGS.get(bb, s + 16) ^ BLANKS);
            int tz2 = Long.numberOfTrailingZeros(blanks2);
            int tz3 = Long.numberOfTrailingZeros(blanks3);
            int in2 = (tz2 - 64) >> 31; // -1 if w2 holds a blank
            int k = s + 8 + (((tz2 >>> 3) & in2) | ((8 + (tz3 >>> 3)) & ~in2));
            int noBlank = (tz2 & tz3) >>> 6; // none within 16 bytes: the parser looks further
            int opening = (nonZero(w2 ^ DEBUG_O) ^ 1) | (nonZero((long) LONGS.get(bb, k + 1) ^ DEBUG_O) ^ 1)
                    | noBlank;
            if ((slow | notN | ((notNbdkit ^ 1) & opening)) != 0) {
                exactLine(bb, s, e, mark);
            }
        }

        private static int nonZero(long x) {
            return (int) ((x | -x) >>> 63);
        }

        private static int nonZero(int x) {
            return (x | -x) >>> 31;
        }

        /** {@link #line}'s decision, byte by byte: blank lines, indentation, the window. */
        private void exactLine(ByteBuffer bb, int s, int e, int mark) {
            int cut = Math.min(e, s + LineSplitter.MAX_LINE);
            int p = s;
            byte first = 0;
            while (p < cut && ((first = bb.get(p)) == ' ' || first == '\t')) {
                p++;
            }
            if (p == cut) {
                return; // blank: the parser returns before counting it
            }
            boolean keep = mark >= 0 && mark < cut;
            if (window > 0) {
                window--;
                keep = true;
            }
            switch (first) {
                case 'r':
                case '[':
                    window = V2vLogParser.NBDKIT_ARGS_WINDOW;
                    keep = true;
                    break;
                case 'C':
                case 'o':
                case 'd':
                case '<':
                    keep = true;
                    break;
                case 'n':
                    keep |= nbdkitDebugO(bb, p, cut);
                    break;
                default:
                    break;
            }
            if (keep) {
                add(s, cut, mark < cut ? mark : -1);
            }
        }

        /**
         * Whether {@code nbdkit: } starts at {@code p} and {@code debug: O} follows, directly or after the first
         * blank within 64 bytes: necessary for the parser's {@code nbdkit: [plugin[N]: ]debug: Opening file }.
         */
        private static boolean nbdkitDebugO(ByteBuffer bb, int p, int e) {
            if (p + 8 > e || (long) LONGS.get(bb, p) != NBDKIT) {
                return false;
            }
            int q = p + 8;
            if (q + 8 <= e && (long) LONGS.get(bb, q) == DEBUG_O) {
                return true;
            }
            int limit = Math.min(e, q + 64);
            for (int k = q; k < limit; k++) {
                if (bb.get(k) == ' ') {
                    return k + 9 <= e && (long) LONGS.get(bb, k + 1) == DEBUG_O;
                }
            }
            return false;
        }

        private void add(int s, int e, int mark) {
            if (count + 3 > lines.length) {
                lines = java.util.Arrays.copyOf(lines, lines.length * 2);
            }
            lines[count++] = s;
            lines[count++] = e;
            lines[count++] = mark;
        }

        void append(Candidates other) {
            if (count + other.count > lines.length) {
                lines = java.util.Arrays.copyOf(lines, count + other.count);
            }
            System.arraycopy(other.lines, 0, lines, count, other.count);
            count += other.count;
        }

        /** Hands the kept lines to the parser in order; returns the (maybe grown) line buffer for the next call. */
        byte[] parse(ByteBuffer bb, V2vLogParser parser, byte[] line) {
            for (int k = 0; k < count; k += 3) {
                int s = lines[k];
                int n = lines[k + 1] - s;
                int mark = lines[k + 2];
                if (n > line.length) {
                    line = new byte[Math.max(n, line.length * 2)];
                }
                bb.get(s, line, 0, n);
                parser.line(line, 0, n, mark < 0 ? -1 : mark - s);
            }
            return line;
        }

        /** Lines kept (for tests and the benchmark). */
        int size() {
            return count / 3;
        }
    }
}
