package org.v2vwrapper.docs;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the man page must mention, enumerated from the picocli model rather than listed by hand. */
final class ManPageContents {
    private ManPageContents() {
    }

    /** Every visible option name of the command and its subcommands, and every subcommand's name. */
    static List<String> names(CommandLine cl) {
        List<String> names = new ArrayList<>();
        collect(cl.getCommandSpec(), names);
        return names;
    }

    private static void collect(CommandSpec spec, List<String> names) {
        for (OptionSpec o : spec.options()) {
            if (!o.hidden()) {
                names.addAll(List.of(o.names()));
            }
        }
        for (CommandLine sub : spec.subcommands().values()) {
            names.add(sub.getCommandName());
            collect(sub.getCommandSpec(), names);
        }
    }

    static void assertMentionsEverything(String text) {
        CommandLine cl = ManPage.model();
        List<String> names = names(cl);
        assertTrue(names.contains("--run-dir") && names.contains("status") && names.contains("--watch"),
                "the model was enumerated: " + names);
        for (String name : names) {
            assertTrue(text.contains(name), "man page lacks " + name);
        }
        for (String env : ManPage.environment().keySet()) {
            assertTrue(text.contains(env), "man page lacks " + env);
        }
        assertTrue(ManPage.environment().containsKey("V2V_WRAPPER_RUN_DIR"), "environment enumerated");
        for (String code : ManPage.exitCodes().keySet()) {
            assertTrue(text.matches("(?s).*EXIT STATUS.*\n\\s*" + code + "\n.*"), "man page lacks exit code " + code);
        }
        for (String heading : List.of("ENVIRONMENT", "FILES", "EXIT STATUS", "SUBCOMMANDS", "/var/lib/uci/state.json")) {
            assertTrue(text.contains(heading), "man page lacks " + heading);
        }
    }
}
