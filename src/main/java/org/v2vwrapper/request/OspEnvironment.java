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
                .map(e -> e.getKey() + "=" + (isSecretName(e.getKey()) ? Secret.REDACTED : e.getValue()))
                .collect(Collectors.joining(", ", "OspEnvironment[", "]"));
    }
}
