package org.v2vwrapper.osp2osp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;

import org.v2vwrapper.nbd.NbdConnection;
import org.v2vwrapper.nbd.NbdUri;
import org.v2vwrapper.remote.SshTunnel;

/**
 * Readiness of an export through a tunnel: a full NBD handshake with the project's own client. A TCP connect
 * alone is not enough — ssh accepts on the local end even while nothing listens on the remote one.
 */
public final class NbdProbe {
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration REQUEST = Duration.ofSeconds(10);

    private NbdProbe() {
    }

    /** The URI of the default export at a tunnel's local end. */
    public static NbdUri uri(SocketAddress local) {
        if (local instanceof UnixDomainSocketAddress u) {
            return NbdUri.unix(u.getPath(), "");
        }
        InetSocketAddress inet = (InetSocketAddress) local;
        return NbdUri.tcp(inet.getHostString(), inet.getPort(), "");
    }

    /** A probe that succeeds once the far side completes an NBD handshake. */
    public static SshTunnel.Probe handshake() {
        return local -> {
            try (NbdConnection c = NbdConnection.open(uri(local), CONNECT, REQUEST)) {
                return c.export().size() >= 0;
            } catch (IOException e) {
                return false;
            }
        };
    }
}
