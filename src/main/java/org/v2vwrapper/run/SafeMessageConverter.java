package org.v2vwrapper.run;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.v2vwrapper.text.Printable;

/**
 * {@code %msg} for the wrapper log: the formatted message with control and format characters escaped, so a
 * request value, a server answer or a child's output quoted in a log line can neither start a forged line (CR,
 * LF, U+2028) nor drive the terminal of whoever reads the log (ESC, bidi overrides).
 */
public final class SafeMessageConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return Printable.escape(event.getFormattedMessage());
    }
}
