package org.v2vwrapper.nbd;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When nbd-copy runs on its own (its main method) with no logback configuration, logback's default would log
 * DEBUG to stdout. Send warnings and errors to stderr instead. Inside the wrapper its own configuration rules.
 */
public final class StandaloneLogging {
    private StandaloneLogging() {
    }

    public static void configureIfUnconfigured() {
        if (System.getProperty("logback.configurationFile") != null
            || StandaloneLogging.class.getClassLoader().getResource("logback.xml") != null
            || StandaloneLogging.class.getClassLoader().getResource("logback-test.xml") != null) {
            return;
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        context.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("nbd-copy: %level %logger{0}: %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
    }
}
