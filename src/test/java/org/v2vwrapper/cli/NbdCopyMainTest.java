package org.v2vwrapper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The plain parser of the launcher's nbd-copy entry point reads what picocli reads, or hands over to it. */
class NbdCopyMainTest {
    private static List<Object> fields(NbdCopyCommand c) {
        return List.of(c.source, c.destination, String.valueOf(c.extentsFile), c.connections, c.requests,
            c.requestSize, c.connectTimeoutSeconds, c.requestTimeoutSeconds, c.flush, c.noProgress);
    }

    private static NbdCopyCommand picocli(String... args) {
        NbdCopyCommand cmd = new NbdCopyCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void plainCommandLinesGiveWhatPicocliGives() {
        List<String[]> cases = List.of(
            new String[] {"nbd+unix:///?socket=/tmp/s", "/tmp/out.img"},
            new String[] {"nbd://h/e", "out", "--connections", "2", "--request-size=2097152", "--flush"},
            new String[] {"--no-progress", "--requests=8", "nbd://h", "/dev/sdb", "--extents", "x.json",
                "--connect-timeout", "1.5", "--request-timeout=7"});
        for (String[] args : cases) {
            NbdCopyCommand plain = NbdCopyMain.plainArguments(args);
            assertNotNull(plain, String.join(" ", args));
            assertEquals(fields(picocli(args)), fields(plain), String.join(" ", args));
        }
    }

    @Test
    void anythingElseGoesToPicocli() {
        List<String[]> cases = List.of(
            new String[] {"--help"}, new String[] {"-h", "a", "b"}, new String[] {"--version"},
            new String[] {"only-source"}, new String[] {"a", "b", "c"}, new String[] {"a", "b", "--bogus"},
            new String[] {"a", "b", "--connections"}, new String[] {"a", "b", "--connections", "two"},
            new String[] {"a", "b", "--flush", "--flush"}, new String[] {"a", "b", "--flush=yes"});
        for (String[] args : cases) {
            assertNull(NbdCopyMain.plainArguments(args), String.join(" ", args));
        }
    }
}
