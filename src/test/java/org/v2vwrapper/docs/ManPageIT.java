package org.v2vwrapper.docs;

import org.junit.jupiter.api.Test;
import org.v2vwrapper.e2e.ProjectPaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The roff man page `mvn package` rendered (target/man/virt-v2v-wrapper.1), as man shows it. */
class ManPageIT {
    @Test
    void renderedPageMentionsEveryOptionSubcommandVariableFileAndExitCode() throws IOException {
        Path page = ProjectPaths.root().resolve("target/man/virt-v2v-wrapper.1");
        assertTrue(Files.isRegularFile(page), page + " (mvn package makes it)");
        ManPageContents.assertMentionsEverything(plainText(Files.readString(page)));
    }

    /** roff to the text man prints: escapes and font changes removed, requests dropped. */
    static String plainText(String roff) {
        return roff.lines()
                .filter(l -> !l.startsWith(".") || l.startsWith(".SH") || l.startsWith(".SS"))
                .map(l -> l.replaceFirst("^\\.S[HS] ", "").replace("\"", ""))
                .map(l -> l.replaceAll("\\\\f[BIRP]|\\\\f\\(..|\\\\&|\\\\%", "").replace("\\-", "-")
                        .replace("\\(aq", "'").replace("\\(cq", "'").replace("\\e", "\\"))
                .map(String::strip)
                .reduce("", (a, b) -> a + b + "\n");
    }
}
