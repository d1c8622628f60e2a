package org.v2vwrapper.v2vlog;

/**
 * virt-v2v's phase messages, alike in 1.4x and 2.x: {@code [  12.3] Text}. Exactly one decimal: the appliance's
 * kernel lines ({@code [   16.254135] sd 2:0:0:0: …}) must not count.
 */
final class PhaseLine {

    private PhaseLine() {
    }

    /** Where the text starts if {@code b[p, e)} is a phase line, else -1. */
    static int textStart(byte[] b, int p, int e) {
        if (p >= e || b[p] != '[') {
            return -1;
        }
        int i = ByteScan.skipSpaces(b, p + 1, e);
        int digits = i;
        while (i < e && ByteScan.isDigit(b[i])) {
            i++;
        }
        if (i == digits || i + 4 > e || b[i] != '.' || !ByteScan.isDigit(b[i + 1]) || b[i + 2] != ']'
                || b[i + 3] != ' ') {
            return -1;
        }
        return i + 4;
    }
}
