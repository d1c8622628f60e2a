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
