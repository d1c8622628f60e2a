package org.v2vwrapper.transport;

import org.v2vwrapper.plan.SourceTransport;
import org.v2vwrapper.request.TransportMethod;

/** Chooses the transport class for virt-v2v's input (as virt-v2v's own {@code input/select_input.ml}). */
public final class Transports {
    private Transports() {
    }

    public static SourceTransport forInput(TransportMethod input) {
        return switch (input) {
            case VDDK -> new VddkTransport();
            case SSH -> new SshTransport();
            case DISK -> new DiskTransport();
        };
    }
}
