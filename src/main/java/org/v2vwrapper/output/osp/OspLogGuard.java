package org.v2vwrapper.output.osp;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/**
 * Keeps the HTTP client's wire and header loggers quiet. openstack4j's connector sends requests through Apache
 * HttpClient, whose {@code org.apache.http.wire} and {@code org.apache.http.headers} loggers write, at DEBUG, the
 * Keystone request body (the password) and every {@code X-Auth-Token}/{@code X-Subject-Token}. A wrapper log at
 * DEBUG (for troubleshooting) must still hold no secret, so these two never go below INFO.
 */
final class OspLogGuard {
    static final List<String> SECRET_BEARING_LOGGERS = List.of("org.apache.http.wire", "org.apache.http.headers");

    private OspLogGuard() {
    }

    static void apply() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (String name : SECRET_BEARING_LOGGERS) {
            ch.qos.logback.classic.Logger logger = context.getLogger(name);
            if (!logger.getEffectiveLevel().isGreaterOrEqual(Level.INFO)) {
                logger.setLevel(Level.INFO);
            }
        }
    }
}
