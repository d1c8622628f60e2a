package org.v2vwrapper.nbd;

import java.time.Duration;

/**
 * @param connections    connections to open when the server allows multi-conn (otherwise one)
 * @param connectTimeout for connecting and the whole handshake of one connection
 * @param requestTimeout for one request's reply
 */
public record NbdClientOptions(int connections, Duration connectTimeout, Duration requestTimeout) {
    public static final NbdClientOptions DEFAULTS =
        new NbdClientOptions(4, Duration.ofSeconds(30), Duration.ofSeconds(120));

    public NbdClientOptions {
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
            || requestTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    public NbdClientOptions withConnections(int n) {
        return new NbdClientOptions(n, connectTimeout, requestTimeout);
    }

    public NbdClientOptions withRequestTimeout(Duration timeout) {
        return new NbdClientOptions(connections, connectTimeout, timeout);
    }

    public NbdClientOptions withConnectTimeout(Duration timeout) {
        return new NbdClientOptions(connections, timeout, requestTimeout);
    }
}
