package org.v2vwrapper.nbd;

import org.v2vwrapper.request.Secret;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to run one nbdkit: the plugin and its {@code key=value} arguments, filters, environment, and an optional
 * password. The password never goes on the command line: {@link NbdkitProcess} writes it to a private file
 * and passes {@code passwordKey=+FILE}.
 *
 * @param plugin          plugin name (vddk, ssh, file, memory, ...)
 * @param pluginArgs      {@code key=value} arguments, no secrets
 * @param filters         filters always used, outermost first
 * @param optionalFilters filters used only if this nbdkit has them (probed with --dump-plugin)
 * @param environment     extra environment variables for nbdkit
 * @param password        secret or null
 * @param passwordKey     the plugin's parameter for the password file (usually "password")
 */
public record NbdkitConfig(String plugin, List<String> pluginArgs, List<String> filters,
                           List<String> optionalFilters, Map<String, String> environment,
                           Secret password, String passwordKey) {

    public NbdkitConfig {
        Objects.requireNonNull(plugin, "plugin");
        pluginArgs = List.copyOf(pluginArgs);
        filters = List.copyOf(filters);
        optionalFilters = List.copyOf(optionalFilters);
        environment = Map.copyOf(environment);
        for (String arg : pluginArgs) {
            if (arg.startsWith("password=") && !arg.startsWith("password=+")) {
                throw new IllegalArgumentException("pass passwords through NbdkitConfig.password, not on argv");
            }
        }
    }

    /** A plugin with arguments and nothing else (tests, local files). */
    public static NbdkitConfig of(String plugin, String... pluginArgs) {
        return new NbdkitConfig(plugin, List.of(pluginArgs), List.of(), List.of(), Map.of(), null, "password");
    }

    public NbdkitConfig withFilters(String... names) {
        return new NbdkitConfig(plugin, pluginArgs, List.of(names), optionalFilters, environment, password,
            passwordKey);
    }

    public NbdkitConfig withOptionalFilters(String... names) {
        return new NbdkitConfig(plugin, pluginArgs, filters, List.of(names), environment, password, passwordKey);
    }

    /** Extra arguments appended, e.g. a filter's own parameters. */
    public NbdkitConfig withArgs(String... args) {
        List<String> all = new java.util.ArrayList<>(pluginArgs);
        all.addAll(List.of(args));
        return new NbdkitConfig(plugin, all, filters, optionalFilters, environment, password, passwordKey);
    }

    @Override
    public String toString() {
        return "NbdkitConfig[plugin=" + plugin + ", pluginArgs=" + pluginArgs + ", filters=" + filters
            + ", optionalFilters=" + optionalFilters + ", environment=" + environment.keySet()
            + ", password=" + (password == null ? "none" : "<redacted>") + "]";
    }
}
