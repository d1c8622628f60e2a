package org.v2vwrapper.output.rhv;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides secrets in text bound for the log: text holding a known value (the password, SSO tokens seen so far) is
 * withheld as a whole; secret-looking fields are masked by shape: form fields and JSON keys named
 * password/token/secret, XML {@code <password>} and {@code <signed_ticket>} elements, and {@code Authorization} header values.
 */
final class Redactor {
    static final String MASK = "*****";
    static final String WITHHELD = "(withheld: the text contained a credential)";

    private static final Pattern FORM_SECRET = Pattern.compile(
            "(?i)(^|[&?])((?:password|token|access_token|refresh_token|id_token|client_secret)=)[^&\\s]*");
    private static final Pattern JSON_SECRET = Pattern.compile(
            "(?i)(\"(?:password|token|access_token|refresh_token|id_token|client_secret|secret)\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern XML_SECRET = Pattern.compile(
            "(?is)(<(password|signed_ticket|token)>)(.*?)(</\\2>)");

    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /** From now on {@code value} is replaced wherever it appears. Ignores empty values. */
    void addSecret(String value) {
        if (value != null && !value.isEmpty()) {
            known.add(value);
        }
    }

    /** The value to log for header {@code name}. */
    String header(String name, String value) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("authorization") || lower.equals("proxy-authorization")) {
            int space = value == null ? -1 : value.indexOf(' ');
            if (space > 0) {
                addSecret(value.substring(space + 1).trim());
                return value.substring(0, space) + " " + MASK;
            }
            return MASK;
        }
        if (lower.contains("token") || lower.contains("cookie") || lower.contains("secret")
                || lower.contains("password") || lower.contains("ticket")) {
            return MASK;
        }
        return text(value);
    }

    /** {@code text} with every known secret and every secret-looking field masked. */
    String text(String text) {
        if (text == null) {
            return null;
        }
        String out = FORM_SECRET.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + MASK));
        out = JSON_SECRET.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "\"" + MASK + "\""));
        out = XML_SECRET.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK + m.group(4)));
        // A known secret left after the field masking: the whole text is withheld. Replacing it where it matched
        // would show where a short or common password sits, and so reveal it.
        for (String secret : known) {
            if (out.contains(secret)) {
                return WITHHELD;
            }
        }
        return out;
    }
}
