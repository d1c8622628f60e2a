package org.v2vwrapper.v2vlog;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Byte-level helpers for the log hot path. Why bytes: a verbose virt-v2v log is hundreds of MiB of noise, and
 * decoding every line into a String (or running a regex on it) costs more than everything else together.
 * The searches read eight bytes at a time ("SWAR": find a byte in a long with a few arithmetic operations).
 */
final class ByteScan {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long LFS = 0x0A0A0A0A0A0A0A0AL;
    private static final long CRS = 0x0D0D0D0D0D0D0D0DL;
    private static final long BELOW_0E = 0x0E0E0E0E0E0E0E0EL;

    private ByteScan() {
    }

    /** Marks (high bit) the bytes of {@code x} that are zero; the lowest mark is exact, higher ones may be false. */
    static long zeroBytes(long x) {
        return (x - ONES) & ~x & HIGHS;
    }

    /** Index of the first {@code \n} or {@code \r} in {@code b[from, to)}, or -1. */
    static int indexOfEol(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i);
            long hit = zeroBytes(x ^ LFS) | zeroBytes(x ^ CRS);
            if (hit != 0) {
                return i + (Long.numberOfTrailingZeros(hit) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                return i;
            }
        }
        return -1;
    }

    /** {@code c} in each of the eight bytes of a long, for {@link #hits}. */
    static long broadcast(byte c) {
        return (c & 0xFFL) * ONES;
    }

    /**
     * Candidate positions (high bit of each byte) among the eight bytes at {@code i} of a line end or of the byte
     * broadcast in {@code markers}. Line ends are found as "any byte below 0x0E" (one test for both {@code \n} and
     * {@code \r}; the rare tab or other control byte is a false candidate). The lowest candidate is exact, higher
     * ones may be false (borrows), so callers check the byte itself.
     */
    static long hits(byte[] b, int i, long markers) {
        return hits((long) LONGS.get(b, i), markers);
    }

    /** {@link #hits} for the fewer than eight bytes of {@code b[i, end)}; candidates past {@code end} are dropped. */
    static long tailHits(byte[] b, int i, int end, long markers) {
        long x = 0;
        for (int k = end - 1; k >= i; k--) {
            x = x << 8 | (b[k] & 0xFFL);
        }
        // a borrow only moves towards higher bytes, so the padding cannot hide or fake a candidate below end
        return hits(x, markers) & (-1L >>> (64 - 8 * (end - i)));
    }

    static long hits(long x, long markers) {
        long y = x ^ markers;
        return (((x - BELOW_0E) & ~x) | ((y - ONES) & ~y)) & HIGHS;
    }

    /** Index of the first byte {@code c} in {@code b[from, to)}, or -1. */
    static int indexOf(byte[] b, int from, int to, byte c) {
        long pattern = (c & 0xFFL) * ONES;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long hit = zeroBytes((long) LONGS.get(b, i) ^ pattern);
            if (hit != 0) {
                return i + (Long.numberOfTrailingZeros(hit) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the ASCII text {@code what} in {@code b[from, to)}, or -1. */
    static int indexOf(byte[] b, int from, int to, byte[] what) {
        byte first = what[0];
        int last = to - what.length;
        for (int i = indexOf(b, from, to, first); i >= 0 && i <= last; i = indexOf(b, i + 1, to, first)) {
            if (startsWith(b, i, to, what)) {
                return i;
            }
        }
        return -1;
    }

    static boolean startsWith(byte[] b, int at, int to, byte[] what) {
        if (to - at < what.length) {
            return false;
        }
        for (int k = 0; k < what.length; k++) {
            if (b[at + k] != what[k]) {
                return false;
            }
        }
        return true;
    }

    static int skipSpaces(byte[] b, int at, int to) {
        while (at < to && (b[at] == ' ' || b[at] == '\t')) {
            at++;
        }
        return at;
    }

    static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String utf8(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.UTF_8);
    }
}
