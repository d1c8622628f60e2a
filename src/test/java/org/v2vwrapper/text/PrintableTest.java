package org.v2vwrapper.text;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrintableTest {
    @Test
    void plainTextIncludingNonAsciiLettersAndEmojiIsUnchanged() {
        String s = "web01 Überweisung 数据 \uD83D\uDE00 [datastore1] a\\b \"q\"";
        assertSame(s, Printable.escape(s));
        assertTrue(Printable.isPrintable(s));
        assertNull(Printable.escape(null));
    }

    @Test
    void controlsSeparatorsBidiAndFormatCharactersAreEscaped() {
        assertEquals("a\\u000Ab\\u000Dc\\u0009d\\u0000e", Printable.escape("a\nb\rc\td\0e"));
        assertEquals("\\u001B[31mred\\u001B[0m", Printable.escape("\u001b[31mred\u001b[0m"));
        assertEquals("x\\u007Fy\\u0085z\\u009Bw", Printable.escape("x\u007fy\u0085z\u009bw"));
        assertEquals("l1\\u2028l2\\u2029l3", Printable.escape("l1\u2028l2\u2029l3"));
        for (int cp : new int[] {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
                0x200E, 0x200F, 0x061C, 0x200B, 0xFEFF, 0x00AD}) {
            String s = "a" + Character.toString(cp) + "b";
            assertEquals("a\\u" + String.format("%04X", cp) + "b", Printable.escape(s), Integer.toHexString(cp));
            assertFalse(Printable.isPrintable(s));
        }
        // a format character outside the BMP (U+E0001 LANGUAGE TAG) as its two UTF-16 units
        assertEquals("\\uDB40\\uDC01", Printable.escape(new String(Character.toChars(0xE0001))));
    }

    @Test
    void unpairedSurrogatesAreEscapedAndDetected() {
        assertEquals("a\\uD800b", Printable.escape("a\uD800b"));
        assertEquals("a\\uDC00", Printable.escape("a\uDC00"));
        assertTrue(Printable.hasLoneSurrogate("x\uD800"));
        assertTrue(Printable.hasLoneSurrogate("\uDC00x"));
        assertFalse(Printable.hasLoneSurrogate("\uD83D\uDE00"));
    }

    @Test
    void escapingTwiceIsEscapingOnce() {
        String once = Printable.escape("a\n\u202Eb\u0000");
        assertEquals(once, Printable.escape(once));
        assertTrue(Printable.isPrintable(once));
        assertEquals(1, once.lines().count());
    }
}
