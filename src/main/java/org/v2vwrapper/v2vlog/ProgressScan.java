package org.v2vwrapper.v2vlog;

import java.util.function.DoubleConsumer;

/**
 * Finds copy progress anywhere in a line, in either generation's form:
 * <ul>
 *   <li>1.4x, {@code qemu-img convert -p}: {@code (12.50/100%)};</li>
 *   <li>2.x, nbdcopy's bar: {@code <spinner>  25% [**********-----]}.</li>
 * </ul>
 * Not anchored at line start or end: with {@code -v} the bar shares lines with nbdkit debug output. Every form
 * contains {@code %}: the line splitter notes the first one while it looks for the line's end, so lines without
 * one cost nothing here.
 */
final class ProgressScan {

    private static final byte[] OF_100 = ByteScan.ascii("/100");

    private ProgressScan() {
    }

    /** Reports each progress value of {@code b[s, e)} in order; {@code q} is the first {@code %} in it. */
    static void scan(byte[] b, int s, int e, int q, DoubleConsumer sink) {
        for (; q >= 0; q = ByteScan.indexOf(b, q + 1, e, (byte) '%')) {
            double v = qemuImg(b, s, e, q);
            if (Double.isNaN(v)) {
                v = nbdcopy(b, s, e, q);
            }
            if (!Double.isNaN(v)) {
                sink.accept(v);
            }
        }
    }

    /** {@code (NN.NN/100%)} with its {@code %} at {@code q}, or NaN. */
    private static double qemuImg(byte[] b, int s, int e, int q) {
        if (q + 1 >= e || b[q + 1] != ')' || q - OF_100.length < s || !ByteScan.startsWith(b, q - 4, e, OF_100)) {
            return Double.NaN;
        }
        int end = q - 4;
        int start = end;
        while (start > s && end - start < 8 && (ByteScan.isDigit(b[start - 1]) || b[start - 1] == '.')) {
            start--;
        }
        if (start == end || start == s || b[start - 1] != '(') {
            return Double.NaN;
        }
        return decimal(b, start, end);
    }

    /** {@code NN% [*--} with its {@code %} at {@code q}, or NaN. */
    private static double nbdcopy(byte[] b, int s, int e, int q) {
        if (q + 3 >= e || b[q + 1] != ' ' || b[q + 2] != '[' || (b[q + 3] != '*' && b[q + 3] != '-')) {
            return Double.NaN;
        }
        int start = q;
        while (start > s && q - start < 3 && ByteScan.isDigit(b[start - 1])) {
            start--;
        }
        if (start == q || (start > s && b[start - 1] != ' ')) {
            return Double.NaN;
        }
        return decimal(b, start, q);
    }

    /**
     * A non-negative decimal number ({@code 12}, {@code 12.50}) parsed by hand, or NaN if above 100 or malformed.
     * Exact: the digits as an integer divided by a power of ten is the double nearest to the decimal.
     */
    static double decimal(byte[] b, int from, int to) {
        long digits = 0;
        long scale = 1;
        boolean dot = false;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == '.' && !dot) {
                dot = true;
            } else if (ByteScan.isDigit(c)) {
                digits = digits * 10 + (c - '0');
                if (dot) {
                    scale *= 10;
                }
            } else {
                return Double.NaN;
            }
        }
        double v = digits / (double) scale;
        return v <= 100 ? v : Double.NaN;
    }
}
