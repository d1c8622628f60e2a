package org.v2vwrapper.output.rhv;

import org.v2vwrapper.ConversionException;

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
        return new ConversionException(what + " the oVirt engine at " + endpoint.apiUrl() + ": "
                + reason(endpoint, e), e);
    }

    /** A short reason for {@code e}, without the password. */
    static String reason(OvirtEndpoint endpoint, Throwable e) {
        return scrub(endpoint, rawReason(endpoint, e));
    }

    private static String rawReason(OvirtEndpoint endpoint, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BoundedHttpClient.RequestDeadlineException) {
                return "the engine did not answer in time (" + t.getMessage() + ")";
            }
            if (t instanceof SSLPeerUnverifiedException) {
                return "TLS failure: the engine's certificate does not match the host name ("
                        + oneLine(t.getMessage()) + ")";
            }
            if (t instanceof CertificateException || t instanceof SSLHandshakeException) {
                return "TLS failure: the engine's certificate is not trusted"
                        + (endpoint.insecure() ? "" : " by the CA bundle " + endpoint.caBundle()
                        + " (or set insecure_connection to skip the check)")
                        + " (" + oneLine(rootMessage(t)) + ")";
            }
            if (t instanceof SSLException) {
                return "TLS failure (" + oneLine(rootMessage(t)) + ")";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + oneLine(t.getMessage());
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return "engine unreachable (" + oneLine(t.getMessage()) + ")";
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return "engine unreachable or not answering (timed out: " + oneLine(t.getMessage()) + ")";
            }
            String msg = t.getMessage();
            if (msg != null) {
                Matcher sso = SSO_ERROR.matcher(msg);
                if (sso.find()) {
                    return "authentication as " + endpoint.user() + " failed: "
                            + unquote(oneLine(sso.group(2))) + " (" + unquote(sso.group(1)) + ")";
                }
                if (msg.startsWith("The response content type")) {
                    return oneLine(msg);
                }
                if (HTTP_CODE.matcher(msg).find() || msg.startsWith("Fault ")) {
                    return apiFault(msg);
                }
            }
        }
        return oneLine(rootMessage(e));
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

    /** {@code text} without the password; if the password is too short to scrub safely, a generic reason instead. */
    static String scrub(OvirtEndpoint endpoint, String text) {
        String pw = endpoint.password().reveal();
        if (pw.isEmpty()) {
            return text;
        }
        if (pw.length() < 4) {
            return text.contains(pw) ? "the engine refused the request (details withheld: they may contain the password)" : text;
        }
        return text.replace(pw, org.v2vwrapper.request.Secret.REDACTED);
    }
}
