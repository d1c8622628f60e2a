package org.v2vwrapper.output.osp;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import org.openstack4j.api.types.Facing;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.OspEnvironment;
import org.v2vwrapper.request.Secret;

/**
 * Keystone v3 password authentication settings read from {@code osp_environment} (the {@code OS_*} variables of a
 * keystonerc file), the same ones virt-v2v and the openstack tool it runs get. {@link #toString()} hides the
 * password.
 *
 * @param authUrl        the Keystone v3 URL ({@code …/v3}; a versionless {@code OS_AUTH_URL} gets {@code /v3})
 * @param user           the user, by id or by name and domain
 * @param password       {@code OS_PASSWORD}
 * @param project        the conversion host's project, by id or by name and domain
 * @param region         {@code OS_REGION_NAME}, if any
 * @param facing         the endpoint interface ({@code OS_INTERFACE}/{@code OS_ENDPOINT_TYPE}), public by default
 * @param caCert         {@code OS_CACERT}: a PEM bundle to trust instead of the JVM's defaults
 * @param insecure       {@code insecure_connection}: no certificate verification at all
 */
public record OspCredentials(String authUrl, Ref user, Secret password, Ref project, Optional<String> region,
                             Facing facing, Optional<Path> caCert, boolean insecure) {

    /** Something Keystone knows by id, or by name within a domain (itself by id or name). */
    public record Ref(Optional<String> id, Optional<String> name, Optional<String> domainId,
                      Optional<String> domainName) {
        public static Ref byId(String id) {
            return new Ref(Optional.of(id), Optional.empty(), Optional.empty(), Optional.empty());
        }

        @Override
        public String toString() {
            if (id.isPresent()) {
                return "id " + id.get();
            }
            return "'" + name.orElse("") + "' in domain "
                    + domainName.map(n -> "'" + n + "'").orElseGet(() -> "id " + domainId.orElse(""));
        }
    }

    private static final String WHERE = "osp_environment: ";

    public static OspCredentials from(OspEnvironment env, boolean insecure) throws ConversionException {
        String authUrl = authUrl(env);
        Optional<String> version = get(env, "IDENTITY_API_VERSION");
        if (version.isPresent() && !version.get().equals("3") && !version.get().startsWith("3.")) {
            throw new ConversionException(WHERE + "OS_IDENTITY_API_VERSION " + version.get()
                    + " is not supported; only Keystone v3 is");
        }
        Secret password = get(env, "PASSWORD").map(Secret::new)
                .orElseThrow(() -> new ConversionException(WHERE + "OS_PASSWORD is required"));
        Optional<String> defaultDomainId = get(env, "DEFAULT_DOMAIN_ID");
        Optional<String> defaultDomainName = get(env, "DEFAULT_DOMAIN_NAME");

        Ref user;
        Optional<String> userId = get(env, "USER_ID");
        if (userId.isPresent()) {
            user = Ref.byId(userId.get());
        } else {
            String name = get(env, "USERNAME").orElseThrow(() -> new ConversionException(
                    WHERE + "OS_USERNAME or OS_USER_ID is required"));
            user = withDomain(name, get(env, "USER_DOMAIN_ID"), get(env, "USER_DOMAIN_NAME"),
                    defaultDomainId, defaultDomainName, "OS_USERNAME", "OS_USER_DOMAIN_NAME or OS_USER_DOMAIN_ID");
        }

        Ref project;
        Optional<String> projectId = get(env, "PROJECT_ID").or(() -> get(env, "TENANT_ID"));
        if (projectId.isPresent()) {
            project = Ref.byId(projectId.get());
        } else {
            String name = get(env, "PROJECT_NAME").or(() -> get(env, "TENANT_NAME")).orElseThrow(() ->
                    new ConversionException(WHERE + "OS_PROJECT_NAME or OS_PROJECT_ID (the conversion host's project) is required"));
            project = withDomain(name, get(env, "PROJECT_DOMAIN_ID"), get(env, "PROJECT_DOMAIN_NAME"),
                    defaultDomainId, defaultDomainName, "OS_PROJECT_NAME",
                    "OS_PROJECT_DOMAIN_NAME or OS_PROJECT_DOMAIN_ID");
        }
        Facing facing = facing(get(env, "INTERFACE").or(() -> get(env, "ENDPOINT_TYPE")));
        Optional<Path> caCert = get(env, "CACERT").map(Path::of);
        return new OspCredentials(authUrl, user, password, project, get(env, "REGION_NAME"), facing, caCert, insecure);
    }

    private static Optional<String> get(OspEnvironment env, String suffix) {
        return env.get(suffix).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static Ref withDomain(String name, Optional<String> domainId, Optional<String> domainName,
                                  Optional<String> defaultId, Optional<String> defaultName, String what,
                                  String needs) throws ConversionException {
        if (domainId.isEmpty() && domainName.isEmpty()) {
            domainId = defaultId;
            domainName = defaultId.isPresent() ? Optional.empty() : defaultName;
        }
        if (domainId.isEmpty() && domainName.isEmpty()) {
            throw new ConversionException(WHERE + what + " needs " + needs);
        }
        // An id is unambiguous; use it when both are given.
        return new Ref(Optional.empty(), Optional.of(name), domainId,
                domainId.isPresent() ? Optional.empty() : domainName);
    }

    static String authUrl(OspEnvironment env) throws ConversionException {
        String raw = get(env, "AUTH_URL").orElseThrow(() -> new ConversionException(WHERE + "OS_AUTH_URL is required"));
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new ConversionException(WHERE + "OS_AUTH_URL is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new ConversionException(WHERE + "OS_AUTH_URL must be an http:// or https:// URL with a host");
        }
        if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new ConversionException(WHERE + "OS_AUTH_URL must not carry user info, a query or a fragment");
        }
        String url = raw;
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
        if (path.matches(".*/v2(\\.\\d+)?")) {
            throw new ConversionException(WHERE + "OS_AUTH_URL points at Keystone v2; only v3 is supported");
        }
        if (!path.matches(".*/v3(\\.\\d+)?")) {
            url = url + "/v3";
        }
        return url;
    }

    static Facing facing(Optional<String> value) throws ConversionException {
        if (value.isEmpty()) {
            return Facing.PUBLIC;
        }
        String v = value.get().toLowerCase(Locale.ROOT);
        if (v.endsWith("url")) {
            v = v.substring(0, v.length() - 3);
        }
        return switch (v) {
            case "public" -> Facing.PUBLIC;
            case "internal" -> Facing.INTERNAL;
            case "admin" -> Facing.ADMIN;
            default -> throw new ConversionException(WHERE + "OS_INTERFACE '" + value.get()
                    + "' is not one of public, internal, admin");
        };
    }
}
