package org.v2vwrapper.nbd;

/** A connect, handshake or request took longer than its timeout. */
public class NbdTimeoutException extends NbdException {
    public NbdTimeoutException(String message) {
        super(message);
    }
}
