package org.v2vwrapper.output.rhv;

import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.Secret;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what the SDK throws into one-line messages for {@code last_message} and stderr. SDK 4.4.5 wraps transport
 * failures as {@code Error("Failed to send request")} (or "Failed to parse JSON response" for the SSO call, as TLS
 * errors are {@code IOException}s); the reason is further down the cause chain. Messages always name the engine
 * URL and never contain the password.
 */
public final class OvirtErrors {
    private static final Pattern HTTP_CODE = Pattern.compile("HTTP response code is \"(\\d{3})\"");
    private static final Pattern FAULT_DETAIL = Pattern.compile("Fault detail is \"(.*?)\"\\.");
    private static final Pattern FAULT_REASON = Pattern.compile("Fault reason is \"(.*?)\"\\.");
    private static final Pattern SSO_ERROR = Pattern.compile(
            "Error during SSO authentication (\\S+) : (.*)", Pattern.DOTALL);

    private OvirtErrors() {
    }

    /** {@code what} is a phrase like "cannot log in to": the message reads "{what} the oVirt engine at URL: reason". */
    static ConversionException toConversionException(String what, OvirtEndpoint endpoint, Throwable e) {
        // A cause whose text holds the password would reach the wrapper log with its stack trace: not attached.
        return new ConversionException(what + " the oVirt engine at " + endpoint.apiUrl() + ": "
                + reason(endpoint, e), chainContains(e, endpoint) ? null : e);
    }

    /**
     * A short reason for {@code e}. Text that came from the engine, the SDK or the JDK is withheld as a whole when
     * it contains the password; the wrapper's own words around it are never altered.
     */
    static String reason(OvirtEndpoint endpoint, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BoundedHttpClient.RequestDeadlineException) {
                return "the engine did not answer in time (" + server(endpoint, t.getMessage()) + ")";
            }
            if (t instanceof SSLPeerUnverifiedException) {
                return "TLS failure: the engine's certificate does not match the host name ("
                        + server(endpoint, t.getMessage()) + ")";
            }
            if (t instanceof CertificateException || t instanceof SSLHandshakeException) {
                return "TLS failure: the engine's certificate is not trusted"
                        + (endpoint.insecure() ? "" : " by the CA bundle " + endpoint.caBundle()
                        + " (or set insecure_connection to skip the check)")
                        + " (" + server(endpoint, rootMessage(t)) + ")";
            }
            if (t instanceof SSLException) {
                return "TLS failure (" + server(endpoint, rootMessage(t)) + ")";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + server(endpoint, t.getMessage());
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return "engine unreachable (" + server(endpoint, t.getMessage()) + ")";
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return "engine unreachable or not answering (timed out: " + server(endpoint, t.getMessage()) + ")";
            }
            String msg = t.getMessage();
            if (msg != null) {
                Matcher sso = SSO_ERROR.matcher(msg);
                if (sso.find()) {
                    return "authentication as " + endpoint.user() + " failed: "
                            + server(endpoint, unquote(sso.group(2)) + " (" + unquote(sso.group(1)) + ")");
                }
                if (msg.startsWith("The response content type")) {
                    return server(endpoint, msg);
                }
                if (HTTP_CODE.matcher(msg).find() || msg.startsWith("Fault ")) {
                    return server(endpoint, apiFault(msg));
                }
            }
        }
        return server(endpoint, rootMessage(e));
    }

    /** Text from outside the wrapper, on one line, or {@link Secret#WITHHELD} if it holds the password. */
    static String server(OvirtEndpoint endpoint, String text) {
        // Checked before oneLine: its truncation or whitespace folding could leave part of the password behind.
        return endpoint.password().appearsIn(text) ? Secret.WITHHELD : oneLine(text);
    }

    static boolean chainContains(Throwable e, OvirtEndpoint endpoint) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (endpoint.password().appearsIn(t.getMessage()) || endpoint.password().appearsIn(t.toString())) {
                return true;
            }
        }
        return false;
    }

    /** The HTTP status of an SDK API error ({@code Error("... HTTP response code is \"404\" ...")}), or -1. */
    public static int httpStatus(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                Matcher m = HTTP_CODE.matcher(t.getMessage());
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
        }
        return -1;
    }

    private static String apiFault(String msg) {
        Matcher detail = FAULT_DETAIL.matcher(msg);
        Matcher reason = FAULT_REASON.matcher(msg);
        Matcher code = HTTP_CODE.matcher(msg);
        StringBuilder sb = new StringBuilder();
        if (code.find()) {
            sb.append("HTTP ").append(code.group(1));
        }
        if (reason.find()) {
            sb.append(sb.length() > 0 ? ", " : "").append(reason.group(1));
        }
        if (detail.find()) {
            sb.append(sb.length() > 0 ? ": " : "").append(detail.group(1));
        }
        return oneLine(sb.length() > 0 ? sb.toString() : msg);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    private static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String one = s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        return one.length() > 400 ? one.substring(0, 400) + "..." : one;
    }

}
