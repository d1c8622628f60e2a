package org.v2vwrapper.secrets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.lifecycle.Cleanup;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 17: the agent's socket lives in the run's secret directory, so a SIGKILLed run's is removed by the next. */
class SshAgentTest {
    @TempDir
    Path tmp;

    @Test
    void theSocketIsInTheSecretDirectoryWhenThePathIsShortEnough() throws Exception {
        SecretStore secrets = SecretStore.create(tmp);
        Cleanup cleanup = new Cleanup();
        SshAgent agent = SshAgent.start(cleanup, secrets.directory());
        try {
            assertTrue(agent.socket().startsWith(secrets.directory()), agent.socket().toString());
            assertTrue(Files.exists(agent.socket()));
        } finally {
            cleanup.close();
            secrets.close();
        }
        assertFalse(Files.exists(agent.socket()));
    }

    /**
     * A directory just short enough for the socket: every start works, whatever the length of the random name the
     * agent's directory gets (up to 20 digits; with room for 19 about half the starts failed, so 6 of them all passed 1 time in 60).
     */
    @Test
    void aDirectoryAtTheLengthLimitAlwaysWorks() throws Exception {
        int room = SshAgent.SOCKET_PATH_MAX - SshAgent.SOCKET_SUFFIX_MAX - tmp.toString().length() - 1;
        Path edge = Files.createDirectory(tmp.resolve("d".repeat(room)));
        assertEquals(SshAgent.SOCKET_PATH_MAX - SshAgent.SOCKET_SUFFIX_MAX, edge.toString().length());
        for (int i = 0; i < 6; i++) {
            Cleanup cleanup = new Cleanup();
            try {
                SshAgent agent = SshAgent.start(cleanup, edge);
                assertTrue(agent.socket().startsWith(edge), agent.socket().toString());
            } finally {
                cleanup.close();
            }
        }
    }

    @Test
    void aTooLongDirectoryFallsBackToTmp() throws Exception {
        Path deep = Files.createDirectories(tmp.resolve("x".repeat(60)).resolve("y".repeat(40)));
        Cleanup cleanup = new Cleanup();
        SshAgent agent = SshAgent.start(cleanup, deep);
        try {
            assertEquals(Path.of("/tmp"), agent.socket().getParent().getParent());
        } finally {
            cleanup.close();
        }
        assertFalse(Files.exists(agent.socket().getParent()));
    }
}
