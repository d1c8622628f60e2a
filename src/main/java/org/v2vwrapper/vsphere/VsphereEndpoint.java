package org.v2vwrapper.vsphere;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and as whom to talk to vSphere: {@code https://HOST[:PORT]/sdk} from a libvirt {@code vpx://} or
 * {@code esx://} URI, the user from the URI (default {@code administrator@vsphere.local} for vCenter, {@code root}
 * for ESXi), the pinned SHA-1 thumbprint and whether {@code ?no_verify=1} turns the check off.
 */
public record VsphereEndpoint(Kind kind, String host, int port, String user, String thumbprint, boolean noVerify) {
    public enum Kind { VCENTER, ESXI }

    public VsphereEndpoint {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        if (!noVerify) {
            thumbprint = normalizeThumbprint(thumbprint);
        }
    }

    /**
     * Reads {@code vmware_uri} and {@code vmware_fingerprint}. Errors are one line naming the key and never quote
     * the URI's user info beyond the user name.
     */
    public static VsphereEndpoint parse(String vmwareUri, String fingerprint) {
        URI uri;
        try {
            uri = new URI(vmwareUri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("vmware_uri: not a URI");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Kind kind = switch (scheme) {
            case "vpx" -> Kind.VCENTER;
            case "esx" -> Kind.ESXI;
            default -> throw new IllegalArgumentException("vmware_uri: must be a vpx:// or esx:// URI");
        };
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("vmware_uri: no host");
        }
        String rawUser = uri.getRawUserInfo();
        String user;
        if (rawUser == null || rawUser.isEmpty()) {
            user = kind == Kind.VCENTER ? "administrator@vsphere.local" : "root";
        } else {
            int colon = rawUser.indexOf(':');
            // a password in the URI is never used (vmware_password is), and never echoed
            user = URLDecoder.decode(colon >= 0 ? rawUser.substring(0, colon) : rawUser, StandardCharsets.UTF_8);
        }
        boolean noVerify = false;
        String query = uri.getRawQuery();
        if (query != null) {
            for (String param : query.split("&")) {
                int eq = param.indexOf('=');
                String name = eq >= 0 ? param.substring(0, eq) : param;
                String value = eq >= 0 ? param.substring(eq + 1) : "";
                if (name.equals("no_verify")) {
                    noVerify = switch (value) {
                        case "1" -> true;
                        case "0" -> false;
                        default -> throw new IllegalArgumentException("vmware_uri: no_verify must be 0 or 1");
                    };
                }
            }
        }
        if (!noVerify && (fingerprint == null || fingerprint.isBlank())) {
            throw new IllegalArgumentException("vmware_fingerprint: required unless vmware_uri has ?no_verify=1");
        }
        return new VsphereEndpoint(kind, host, uri.getPort() > 0 ? uri.getPort() : 443, user,
                fingerprint, noVerify);
    }

    /** The SOAP endpoint. */
    public URI sdkUri() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return URI.create("https://" + h + (port == 443 ? "" : ":" + port) + "/sdk");
    }

    /**
     * Upper-case colon-separated hex of 20 bytes, e.g. {@code AB:CD:…}; accepts any case.
     *
     * @throws IllegalArgumentException naming {@code vmware_fingerprint} when it is not a SHA-1 thumbprint
     */
    public static String normalizeThumbprint(String thumbprint) {
        if (thumbprint == null) {
            throw new IllegalArgumentException("vmware_fingerprint: missing");
        }
        String t = thumbprint.trim().toUpperCase(Locale.ROOT);
        if (!t.matches("[0-9A-F]{2}(:[0-9A-F]{2}){19}")) {
            throw new IllegalArgumentException("vmware_fingerprint: must be the SHA-1 thumbprint as colon-separated hex"
                    + " (20 bytes)");
        }
        return t;
    }
}
