package org.v2vwrapper.vsphere;

import java.io.IOException;

/**
 * A failed vSphere call: a SOAP fault, a task that ended in error, a transport failure or a timeout. The message
 * is one line and names the call (e.g. {@code vSphere CreateSnapshot_Task failed: ApplicationQuiesceFault: …});
 * it never holds the password or the request.
 */
public class VsphereException extends IOException {
    private final String call;
    private final String faultType;

    public VsphereException(String call, String faultType, String message) {
        super(message);
        this.call = call;
        this.faultType = faultType;
    }

    public VsphereException(String call, String faultType, String message, Throwable cause) {
        super(message, cause);
        this.call = call;
        this.faultType = faultType;
    }

    /** The vim25 method that failed, e.g. {@code Login}. */
    public String call() {
        return call;
    }

    /** The vim25 fault type (e.g. {@code InvalidLogin}), or {@code null} for transport failures and timeouts. */
    public String faultType() {
        return faultType;
    }
}
