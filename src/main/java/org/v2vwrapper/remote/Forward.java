package org.v2vwrapper.remote;

import java.nio.file.Path;

/** One {@code ssh -L} forwarding, always from this host's loopback (or a local socket) to the remote loopback. */
public sealed interface Forward permits Forward.Tcp, Forward.Unix {

    /**
     * {@code -L 127.0.0.1:<localPort>:127.0.0.1:<remotePort>}.
     *
     * @param localPort 0: pick a free port
     */
    record Tcp(int localPort, int remotePort) implements Forward {
        public Tcp {
            if (localPort < 0 || localPort > 65535 || remotePort < 1 || remotePort > 65535) {
                throw new IllegalArgumentException("bad forward ports " + localPort + " -> " + remotePort);
            }
        }
    }

    /** {@code -L <localSocket>:<remoteSocket>}: Unix-domain socket forwarding, nothing listens on TCP at all. */
    record Unix(Path localSocket, String remoteSocket) implements Forward {
        public Unix {
            if (!localSocket.isAbsolute() || !remoteSocket.startsWith("/") || remoteSocket.contains(":")
                    || localSocket.toString().contains(":")) {
                throw new IllegalArgumentException("socket forwards need absolute paths without ':'");
            }
        }
    }
}
