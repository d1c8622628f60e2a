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
        // Only the server's (or library's) text is checked for the password, and withheld as a whole if it holds
        // it; the wrapper's own words ("authenticating to OpenStack") are never touched.
        String detail;
        if (cause instanceof AuthenticationException ae) {
            detail = "authentication failed (HTTP " + ae.getStatus() + "): " + server(ae.getMessage(), password);
        } else if (cause instanceof ConnectionException ce) {
            detail = "cannot reach OpenStack: " + server(rootMessage(ce), password);
        } else if (cause instanceof ResponseException re) {
            detail = server(re.getMessage(), password) + " (HTTP " + re.getStatus() + ")";
        } else if (cause instanceof IllegalStateException ise) {
            detail = server(ise.getMessage(), password);
        } else {
            detail = cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + server(cause.getMessage(), password));
        }
        // A cause whose text holds the password would reach the wrapper log with its stack trace: not attached.
        return new ConversionException(oneLine(what + ": " + detail),
                chainContains(cause, password) ? null : cause);
    }

    /** Server-provided text for a message: a placeholder if empty, withheld as a whole if it holds the secret. */
    static String server(String text, Secret secret) {
        return secret.withholdFrom(text(text));
    }

    static boolean chainContains(Throwable t, Secret secret) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            if (secret.appearsIn(t.getMessage()) || secret.appearsIn(t.toString())) {
                return true;
            }
        }
        return false;
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

}
