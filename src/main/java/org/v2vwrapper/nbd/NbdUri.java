package org.v2vwrapper.nbd;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An NBD URI as libnbd and qemu write them: {@code nbd://host[:port]/export} (TCP) or
 * {@code nbd+unix:///export?socket=PATH} (Unix domain socket). TLS schemes are refused.
 *
 * @param host       TCP host, null for a Unix socket
 * @param port       TCP port
 * @param socketPath Unix socket, null for TCP
 * @param exportName export name ("" is the server's default export)
 */
public record NbdUri(String host, int port, Path socketPath, String exportName) {

    public static NbdUri unix(Path socket, String exportName) {
        return new NbdUri(null, 0, socket, exportName);
    }

    public static NbdUri tcp(String host, int port, String exportName) {
        return new NbdUri(host, port, null, exportName);
    }

    public static NbdUri parse(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not an NBD URI: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String exportName = decode(path.startsWith("/") ? path.substring(1) : path);
        switch (scheme) {
            case "nbd" -> {
                if (uri.getHost() == null) {
                    throw new IllegalArgumentException("NBD URI has no host: " + text);
                }
                int port = uri.getPort() == -1 ? NbdProtocol.DEFAULT_PORT : uri.getPort();
                return tcp(uri.getHost(), port, exportName);
            }
            case "nbd+unix" -> {
                String socket = queryParameter(uri.getRawQuery(), "socket");
                if (socket == null || socket.isEmpty()) {
                    throw new IllegalArgumentException("nbd+unix URI needs ?socket=PATH: " + text);
                }
                return unix(Path.of(socket), exportName);
            }
            case "nbds", "nbds+unix" ->
                throw new IllegalArgumentException("NBD over TLS is not supported: " + text);
            default -> throw new IllegalArgumentException(
                "not an NBD URI (expected nbd://host[:port]/export or nbd+unix:///export?socket=PATH): " + text);
        }
    }

    public boolean isUnix() {
        return socketPath != null;
    }

    public SocketAddress socketAddress() {
        return isUnix() ? UnixDomainSocketAddress.of(socketPath) : new InetSocketAddress(host, port);
    }

    private static String queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (key.equals(name)) {
                return eq < 0 ? "" : decode(pair.substring(eq + 1));
            }
        }
        return null;
    }

    private static String decode(String s) {
        // URLDecoder turns '+' into a space, which is wrong in a URI path: protect it first.
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        String path = "/" + exportName;
        return isUnix() ? "nbd+unix://" + path + "?socket=" + socketPath : "nbd://" + host + ":" + port + path;
    }
}
