package org.v2vwrapper.output.rhv;

import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Apache HttpClient logs raw headers and bodies (the SSO password, the {@code Authorization} bearer token) at
 * DEBUG on {@code org.apache.http.wire} and {@code org.apache.http.headers}. Whatever the wrapper's logging
 * configuration says, those two never go below INFO: {@code rhv_debug} is the redacted way to see the traffic.
 */
final class WireLogGuard {
    static final String[] LOGGERS = {"org.apache.http.wire", "org.apache.http.headers"};

    private WireLogGuard() {
    }

    static void apply() {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof ch.qos.logback.classic.LoggerContext context)) {
            return;
        }
        for (String name : LOGGERS) {
            ch.qos.logback.classic.Logger logger = context.getLogger(name);
            if (!logger.getEffectiveLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.INFO)) {
                logger.setLevel(ch.qos.logback.classic.Level.INFO);
            }
        }
    }
}
