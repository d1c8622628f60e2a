package org.v2vwrapper.throttle.limits;

/**
 * A throttling value that cannot be used. The message names the key path and the expected form, never the
 * value itself (a caller could have put anything there).
 */
public final class InvalidLimitsException extends Exception {
    private final String keyPath;
    private final String reason;

    InvalidLimitsException(String keyPath, String reason) {
        super(keyPath + ": " + reason);
        this.keyPath = keyPath;
        this.reason = reason;
    }

    /** e.g. {@code throttling.cpu}, for the request parser's own error type. */
    public String keyPath() {
        return keyPath;
    }

    /** e.g. {@code must be "<N>%" or "unlimited"}. */
    public String reason() {
        return reason;
    }
}
