package org.v2vwrapper.nbd;

import java.io.IOException;

/** A protocol or server error; the message names the export and the request. */
public class NbdException extends IOException {
    public NbdException(String message) {
        super(message);
    }

    public NbdException(String message, Throwable cause) {
        super(message, cause);
    }
}
