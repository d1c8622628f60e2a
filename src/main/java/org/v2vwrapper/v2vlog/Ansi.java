package org.v2vwrapper.v2vlog;

import java.util.regex.Pattern;

/** Colour escapes ({@code ESC[0;32m}) that virt-v2v prints on a terminal or with {@code --colours}. */
final class Ansi {

    static final byte ESC = 0x1b;
    private static final Pattern CSI = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]");

    private Ansi() {
    }

    /** Position after any escape sequences starting at {@code at}. */
    static int skip(byte[] b, int at, int to) {
        while (at + 1 < to && b[at] == ESC && b[at + 1] == '[') {
            int i = at + 2;
            while (i < to && (ByteScan.isDigit(b[i]) || b[i] == ';' || b[i] == '?')) {
                i++;
            }
            if (i == to) {
                return i;
            }
            at = i + 1;
        }
        return at;
    }

    static String strip(String s) {
        return s.indexOf(ESC) < 0 ? s : CSI.matcher(s).replaceAll("");
    }
}
