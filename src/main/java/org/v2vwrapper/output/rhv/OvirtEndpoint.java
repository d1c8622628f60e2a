package org.v2vwrapper.output.rhv;

import org.v2vwrapper.request.RhvDestination;
import org.v2vwrapper.request.Secret;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Where and how to reach the oVirt engine: the API URL without any user part, the user (from the URL's user
 * part, else {@code admin@internal}), the password, and how to check the engine's certificate.
 * {@link #toString()} never shows the password.
 *
 * @param apiUrl     the engine API URL without user info, e.g. {@code https://engine/ovirt-engine/api}
 * @param user       the engine user, e.g. {@code admin@internal}
 * @param password   the engine password
 * @param insecure   skip certificate and host name checks ({@code insecure_connection})
 * @param caBundle   PEM file with the CA certificates to trust when not insecure
 * @param debug      log every request and response (redacted) into the wrapper log
 */
public record OvirtEndpoint(String apiUrl, String user, Secret password, boolean insecure, Path caBundle,
                            boolean debug) {

    public static final String DEFAULT_USER = "admin@internal";

    /** Builds the endpoint from the request's {@code rhv_*} keys, {@code insecure_connection} and {@code --ca-bundle}. */
    public static OvirtEndpoint of(RhvDestination rhv, boolean insecure, Path caBundle) {
        URI uri = parse(rhv.url());
        String user = DEFAULT_USER;
        String rawUserInfo = uri.getRawUserInfo();
        if (rawUserInfo != null && !rawUserInfo.isEmpty()) {
            int colon = rawUserInfo.indexOf(':');
            String rawUser = colon >= 0 ? rawUserInfo.substring(0, colon) : rawUserInfo;
            if (!rawUser.isEmpty()) {
                user = URLDecoder.decode(rawUser, StandardCharsets.UTF_8);
            }
        }
        return new OvirtEndpoint(withoutUserInfo(rhv.url()), user, rhv.password(), insecure, caBundle, rhv.debug());
    }

    /** {@code url} without its user info ({@code user[:password]@}); unchanged if it has none or does not parse. */
    public static String withoutUserInfo(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return url;
        }
        if (uri.getRawUserInfo() == null) {
            return url;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(uri.getScheme()).append("://").append(uri.getRawAuthority().substring(uri.getRawUserInfo().length() + 1));
        if (uri.getRawPath() != null) {
            sb.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            sb.append('?').append(uri.getRawQuery());
        }
        return sb.toString();
    }

    /**
     * {@code url} for virt-v2v's {@code -oc}: kept as the caller gave it (virt-v2v reads the user from it), but a
     * password in the user info is dropped, since the password travels in the {@code -op} file only.
     */
    public static String forVirtV2v(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return url;
        }
        String info = uri.getRawUserInfo();
        if (info == null || info.indexOf(':') < 0) {
            return url;
        }
        String userOnly = info.substring(0, info.indexOf(':'));
        String rest = withoutUserInfo(url);
        int schemeEnd = rest.indexOf("://") + 3;
        return userOnly.isEmpty() ? rest : rest.substring(0, schemeEnd) + userOnly + "@" + rest.substring(schemeEnd);
    }

    public boolean isHttps() {
        return apiUrl.regionMatches(true, 0, "https:", 0, 6);
    }

    private static URI parse(String url) {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("rhv_url is not a valid URL", e);
        }
    }

    /** Where a run's ledger says this engine's objects live. */
    public String ledgerWhere() {
        return org.v2vwrapper.ledger.RemoteLedger.where("rhv", apiUrl);
    }

    @Override
    public String toString() {
        return "OvirtEndpoint[" + apiUrl + " as " + user + ", insecure=" + insecure + ", caBundle=" + caBundle
                + ", debug=" + debug + "]";
    }
}
