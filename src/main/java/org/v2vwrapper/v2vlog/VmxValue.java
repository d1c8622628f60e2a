package org.v2vwrapper.v2vlog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** A quoted vmx value ({@code displayName = "My VM"}); vmx writes special bytes as {@code |XX} (hex). */
final class VmxValue {

    private VmxValue() {
    }

    /** The value between {@code from} (after the opening quote) and the line's closing quote. */
    static Optional<String> decode(byte[] b, int from, int e) {
        int end = e;
        while (end > from && (b[end - 1] == ' ' || b[end - 1] == '\t')) {
            end--;
        }
        if (end <= from || b[end - 1] != '"') {
            return Optional.empty();
        }
        end--;
        ByteArrayOutputStream out = new ByteArrayOutputStream(end - from);
        for (int i = from; i < end; i++) {
            int hi;
            int lo;
            if (b[i] == '|' && i + 2 < end && (hi = Character.digit(b[i + 1], 16)) >= 0
                    && (lo = Character.digit(b[i + 2], 16)) >= 0) {
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(b[i]);
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }
}
