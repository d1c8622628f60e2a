package org.v2vwrapper.request;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The {@code osp_environment} settings, normalised to the {@code OS_*} environment variable names that the
 * openstack tooling reads ({@code os-auth_url}, {@code os_auth_url} and {@code OS_AUTH_URL} all become
 * {@code OS_AUTH_URL}). Values whose name mentions a password or secret are hidden by {@link #toString()}.
 */
public record OspEnvironment(Map<String, String> variables) {

    public OspEnvironment {
        variables = Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }

    /** {@code os-user_domain_name} → {@code OS_USER_DOMAIN_NAME}. */
    public static String variableName(String key) {
        return "OS_" + key.substring(3).replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * The {@code OS_*} settings whose values are shown in logs and the dry run. Deny by default: a variable not
     * listed here (a misspelt {@code os-pass-word}, a vendor's own token variable) is shown as redacted, since the
     * caller may have meant a secret by it.
     */
    private static final java.util.Set<String> SHOWN = java.util.Set.of("OS_AUTH_URL", "OS_AUTH_TYPE", "OS_USERNAME",
            "OS_USER_ID", "OS_PROJECT_NAME", "OS_PROJECT_ID", "OS_TENANT_NAME", "OS_TENANT_ID", "OS_USER_DOMAIN_NAME",
            "OS_USER_DOMAIN_ID", "OS_PROJECT_DOMAIN_NAME", "OS_PROJECT_DOMAIN_ID", "OS_DOMAIN_NAME", "OS_DOMAIN_ID",
            "OS_REGION_NAME", "OS_INTERFACE", "OS_ENDPOINT_TYPE", "OS_IDENTITY_API_VERSION", "OS_VOLUME_API_VERSION",
            "OS_COMPUTE_API_VERSION", "OS_IMAGE_API_VERSION", "OS_NETWORK_API_VERSION", "OS_CACERT", "OS_CERT",
            "OS_INSECURE", "OS_CLOUD", "OS_APPLICATION_CREDENTIAL_ID", "OS_APPLICATION_CREDENTIAL_NAME");

    /** How the value of environment variable {@code name} may be shown: as it is, or redacted. */
    public static String displayValue(String name, String value) {
        boolean unlistedOpenstack = name.toUpperCase(Locale.ROOT).startsWith("OS_") && !SHOWN.contains(name);
        return isSecretName(name) || unlistedOpenstack ? Secret.REDACTED : value;
    }

    public static boolean isSecretName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return upper.contains("PASSWORD") || upper.contains("SECRET") || upper.contains("TOKEN");
    }

    /** The value of {@code OS_<suffix>}, e.g. {@code get("AUTH_URL")}. */
    public Optional<String> get(String suffix) {
        return Optional.ofNullable(variables.get("OS_" + suffix.toUpperCase(Locale.ROOT)));
    }

    @Override
    public String toString() {
        return variables.entrySet().stream()
                .map(e -> e.getKey() + "=" + displayValue(e.getKey(), e.getValue()))
                .collect(Collectors.joining(", ", "OspEnvironment[", "]"));
    }
}
