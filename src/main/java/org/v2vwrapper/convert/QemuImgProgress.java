package org.v2vwrapper.convert;

import java.util.OptionalDouble;
import java.util.function.DoubleConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code qemu-img -p} progress: {@code "    (12.50/100%)\r"} records, separated by carriage returns
 * (or newlines when qemu-img is not on a terminal). Fed raw characters in any chunking; reports each
 * percentage once its record is complete. Not thread-safe: one per process.
 */
public final class QemuImgProgress {
    private static final Pattern PROGRESS = Pattern.compile("\\((\\d+(?:\\.\\d+)?)/100%\\)");

    private final StringBuilder record = new StringBuilder();
    private final DoubleConsumer listener;

    public QemuImgProgress(DoubleConsumer listener) {
        this.listener = listener;
    }

    public void feed(CharSequence chars) {
        for (int i = 0; i < chars.length(); i++) {
            char c = chars.charAt(i);
            if (c == '\r' || c == '\n') {
                flush();
            } else if (record.length() < 4096) {
                record.append(c);
            }
        }
    }

    /** The end of the output: a last record without a terminator counts too. */
    public void finish() {
        flush();
    }

    private void flush() {
        parse(record).ifPresent(listener::accept);
        record.setLength(0);
    }

    /** The percentage in one record, if it is a progress record. */
    public static OptionalDouble parse(CharSequence record) {
        Matcher m = PROGRESS.matcher(record);
        return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
    }
}
