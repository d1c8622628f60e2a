package org.v2vwrapper.output.rhv;

/** One engine call failed. The message is one line, names the engine URL and never holds the password. */
public class OvirtCallException extends Exception {
    private final int httpStatus;

    OvirtCallException(String message, int httpStatus, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** The HTTP status the engine answered with, or -1 if the call did not get an HTTP answer. */
    public int httpStatus() {
        return httpStatus;
    }

    public boolean isNotFound() {
        return httpStatus == 404;
    }
}
