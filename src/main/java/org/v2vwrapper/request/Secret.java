package org.v2vwrapper.request;

import java.util.Objects;

/**
 * A password, key or token from the request. Its {@link #toString()} never shows the value, so a secret that
 * ends up in a log line, an exception message or a record's {@code toString} stays hidden.
 */
public final class Secret {
    public static final String REDACTED = "*****";
    /**
     * What stands in for a server's error text that contains a secret. The text is withheld as a whole: masking
     * the secret where it matched would show where a short or common password sits in the sentence, and so
     * reveal it.
     */
    public static final String WITHHELD = "the server's message was withheld because it contained a credential";

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The clear value: only for writing it into a 0600 file or a child's environment. */
    public String reveal() {
        return value;
    }

    /** Whether {@code text} contains this secret (an empty secret is in no text). */
    public boolean appearsIn(String text) {
        return text != null && !value.isEmpty() && text.contains(value);
    }

    /** {@code serverText} as it is, or {@link #WITHHELD} when it contains this secret. */
    public String withholdFrom(String serverText) {
        return appearsIn(serverText) ? WITHHELD : serverText;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return REDACTED;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
