package org.v2vwrapper.convert;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One child program of the conversion: its argument list (never a secret: keys and passwords are 0600 file
 * paths) and the environment entries set on top of the wrapper's own. Kept here rather than reusing
 * {@code plan.VirtV2vCommand} so that {@code output.rhv} may use this package without a package cycle
 * ({@code plan} depends on {@code output}).
 */
public record ConversionCommand(List<String> argv, Map<String, String> environment) {
    public ConversionCommand {
        argv = List.copyOf(argv);
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    /** One shell-like line for logs and {@code --dry-run}: environment first, arguments quoted where needed. */
    public String describe() {
        String env = environment.entrySet().stream().map(e -> e.getKey() + "=" + quote(e.getValue()))
                .collect(Collectors.joining(" "));
        String args = argv.stream().map(ConversionCommand::quote).collect(Collectors.joining(" "));
        return env.isEmpty() ? args : env + " " + args;
    }

    static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || "-_=:/.,@+%".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
