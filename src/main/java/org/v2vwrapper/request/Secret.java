package org.v2vwrapper.request;

import java.util.Objects;

/**
 * A password, key or token from the request. Its {@link #toString()} never shows the value, so a secret that
 * ends up in a log line, an exception message or a record's {@code toString} stays hidden.
 */
public final class Secret {
    public static final String REDACTED = "*****";

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The clear value: only for writing it into a 0600 file or a child's environment. */
    public String reveal() {
        return value;
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
