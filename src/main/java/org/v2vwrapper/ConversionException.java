package org.v2vwrapper;

/**
 * A conversion step failed. The message is one line for the caller ({@code last_message}, stderr) and never
 * holds a secret; the cause, if any, goes to the wrapper log only.
 */
public class ConversionException extends Exception {
    public ConversionException(String message) {
        super(message);
    }

    public ConversionException(String message, Throwable cause) {
        super(message, cause);
    }
}
