package org.v2vwrapper.run;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.FileAppender;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/** Sends every log record to the wrapper log file once the log directory is known (DEBUG, timestamps). */
public final class WrapperLogging {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{30}: %msg%n%ex";

    private WrapperLogging() {
    }

    public static void toFile(Path logFile) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayout layout = new PatternLayout();
        layout.setContext(ctx);
        // %msg (and its aliases) escaped: one record is one line, whatever text it quotes.
        for (String word : new String[] {"msg", "m", "message"}) {
            layout.getInstanceConverterMap().put(word, SafeMessageConverter::new);
        }
        layout.setPattern(PATTERN);
        layout.start();
        LayoutWrappingEncoder<ch.qos.logback.classic.spi.ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        FileAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(ctx);
        appender.setName("wrapper-log");
        appender.setFile(logFile.toString());
        appender.setAppend(true);
        appender.setImmediateFlush(true);
        appender.setEncoder(encoder);
        appender.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(Level.DEBUG);
        // Third-party HTTP wire logs are noisy and may carry credentials; targets turn them on deliberately.
        for (String noisy : new String[] {"org.apache.http", "org.jboss.resteasy", "org.openstack4j", "org.ovirt"}) {
            ctx.getLogger(noisy).setLevel(Level.INFO);
        }
    }

    /** Flushes and closes the appenders (at exit, so the last lines are on disk). */
    public static void stop() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
    }
}
