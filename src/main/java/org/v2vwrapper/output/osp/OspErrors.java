package org.v2vwrapper.output.osp;

import org.openstack4j.api.exceptions.AuthenticationException;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.exceptions.ResponseException;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Secret;

/** Turns what openstack4j throws into one-line {@link ConversionException}s. */
final class OspErrors {
    private static final int MAX = 400;

    private OspErrors() {
    }

    static ConversionException failure(String what, Throwable cause, Secret password) {
        if (cause instanceof ConversionException ce) {
            return ce;
        }
        String detail;
        if (cause instanceof AuthenticationException ae) {
            detail = "authentication failed (HTTP " + ae.getStatus() + "): " + text(ae.getMessage());
        } else if (cause instanceof ConnectionException ce) {
            detail = "cannot reach OpenStack: " + text(rootMessage(ce));
        } else if (cause instanceof ResponseException re) {
            detail = text(re.getMessage()) + " (HTTP " + re.getStatus() + ")";
        } else if (cause instanceof IllegalStateException ise) {
            detail = text(ise.getMessage());
        } else {
            detail = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + text(cause.getMessage()));
        }
        return new ConversionException(scrub(oneLine(what + ": " + detail), password), cause);
    }

    /** The server's explanation of a failed action, or a placeholder. */
    static String text(String s) {
        return s == null || s.isBlank() ? "no explanation given" : s;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return m == null ? c.getClass().getSimpleName() : c.getClass().getSimpleName() + ": " + m;
    }

    static String oneLine(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > MAX ? one.substring(0, MAX) + "…" : one;
    }

    /** Never lets a secret's text into a message (defence in depth: callers do not pass secrets). */
    static String scrub(String s, Secret secret) {
        return secret.isEmpty() ? s : s.replace(secret.reveal(), Secret.REDACTED);
    }
}
