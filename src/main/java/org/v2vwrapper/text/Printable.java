package org.v2vwrapper.text;

/**
 * Makes text from outside (request values, server answers, file names) safe to echo on one line of stderr, in
 * {@code last_message} or in a log line: every character that could split the line, move the cursor, drive a
 * terminal or reorder what a reader sees is written as {@code \}{@code uXXXX} instead. That is C0 and C1 controls
 * (newline, ESC of ANSI sequences, DEL…), the line and paragraph separators U+2028/U+2029, every Unicode format
 * character (category Cf: the bidi embeddings, overrides and isolates U+202A–202E and U+2066–2069, the marks
 * U+200E/U+200F/U+061C, zero-width characters, the BOM…), and unpaired surrogates.
 *
 * <p>A backslash is left as it is, so escaping twice gives the same text as escaping once: the sinks may escape
 * again what a caller already escaped.
 */
public final class Printable {
    private Printable() {
    }

    /** {@code text} with every unsafe character as {@code \}{@code uXXXX}; {@code null} stays {@code null}. */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int i = firstUnsafe(text);
        if (i < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        out.append(text, 0, i);
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(i + 1));
                if (isUnsafe(cp)) {
                    appendEscape(out, c);
                    appendEscape(out, text.charAt(i + 1));
                } else {
                    out.append(c).append(text.charAt(i + 1));
                }
                i += 2;
                continue;
            }
            if (Character.isSurrogate(c) || isUnsafe(c)) {
                appendEscape(out, c);
            } else {
                out.append(c);
            }
            i++;
        }
        return out.toString();
    }

    /** Whether {@link #escape} would change {@code text}. */
    public static boolean isPrintable(String text) {
        return text == null || firstUnsafe(text) < 0;
    }

    /** Whether {@code text} holds an unpaired surrogate (a {@code \}{@code ud800} escape with no partner). */
    public static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return true;
            }
            if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the code point must not be echoed as it is. */
    public static boolean isUnsafe(int cp) {
        if (Character.isISOControl(cp)) {
            return true; // C0, DEL, C1 (ESC, CSI, NEL…)
        }
        if (cp == 0x2028 || cp == 0x2029) {
            return true; // LINE/PARAGRAPH SEPARATOR: a new line for Unicode-aware readers
        }
        int type = Character.getType(cp);
        return type == Character.FORMAT || type == Character.SURROGATE;
    }

    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (isUnsafe(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    private static void appendEscape(StringBuilder out, char c) {
        out.append("\\u").append(String.format("%04X", (int) c));
    }
}
