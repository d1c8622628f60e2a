package org.v2vwrapper.plan;

import org.v2vwrapper.request.OspEnvironment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The exact virt-v2v invocation: argument list (never a secret: secrets are file paths) and the environment
 * entries the wrapper sets on top of its own (which may carry the OpenStack password).
 */
public record VirtV2vCommand(List<String> argv, Map<String, String> environment) {

    public VirtV2vCommand {
        argv = List.copyOf(argv);
        environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    /** The environment with secret values hidden, for logs and {@code --dry-run}. */
    public Map<String, String> redactedEnvironment() {
        Map<String, String> out = new LinkedHashMap<>();
        environment.forEach((k, v) -> out.put(k, OspEnvironment.displayValue(k, v)));
        return out;
    }

    /** One shell-like line for logs and {@code --dry-run}: environment first, arguments quoted where needed. */
    public String describe() {
        String env = redactedEnvironment().entrySet().stream()
                .map(e -> e.getKey() + "=" + quote(e.getValue()))
                .collect(Collectors.joining(" "));
        String args = argv.stream().map(VirtV2vCommand::quote).collect(Collectors.joining(" "));
        return env.isEmpty() ? args : env + " " + args;
    }

    static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_=:/.,@+%".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
