package org.v2vwrapper.docs;

import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The AsciiDoc source generated from the picocli model (the roff page is checked by ManPageIT after package). */
class ManPageTest {
    @Test
    void sourceMentionsEveryOptionSubcommandVariableFileAndExitCode() {
        String adoc = ManPage.asciiDoc();
        // As rendered: section titles upper-cased, bold marks and definition-list markers gone.
        String text = Pattern.compile("(?m)^==+ (.*)$").matcher(adoc)
                .replaceAll(m -> m.group(1).toUpperCase(Locale.ROOT)).replace("*", "").replace("::\n", "\n");
        ManPageContents.assertMentionsEverything(text);
        assertFalse(adoc.contains("xref:"), "no links to pages that are not installed");
    }

    @Test
    void completionCoversBothNamesAndTheSubcommands() {
        String script = ManPage.bashCompletion();
        assertTrue(script.contains("complete -F _complete_virt-v2v-wrapper -o default virt-v2v-wrapper"), script);
        assertTrue(script.contains("complete -F _complete_virt-v2v-wrapper -o default v2v-wrapper"), script);
        assertTrue(script.contains("status") && script.contains("--watch") && script.contains("--run-dir"));
    }
}
