package org.v2vwrapper.remote;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.testing.SshdClient;

/**
 * Against a real sshd: the remote teardown runs when the session's stdin is closed and when the local ssh is
 * SIGKILLed (what is left of a SIGKILLed wrapper), and stops what was started remotely after it was armed.
 */
class RemoteTeardownTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static SshdClient ssh;
    private static Path tmp;

    @BeforeAll
    static void startSshd() throws Exception {
        // World-writable: cloud-user (the remote side) makes its directories in it.
        ssh = SshdClient.start("v2v-teardown-test-", "rwxrwxrwx");
        tmp = ssh.dir();
    }

    @AfterAll
    static void stopSshd() {
        if (ssh != null) {
            ssh.close();
        }
    }

    private static SshRunner runner() {
        return ssh.runner(Duration.ofSeconds(10));
    }

    /** A remote sleep (standing in for a daemonized export) with its pid file, and the teardown that stops it. */
    private static String startSleeper(SshRunner ssh, Path dir) throws ConversionException {
        ssh.run("starting", T, List.of("sh", "-c", "mkdir -p " + dir + " && (sleep 300 </dev/null >/dev/null 2>&1 & echo $! > "
                + dir + "/s.pid)"));
        return ssh.run("reading the pid", T, List.of("cat", dir + "/s.pid")).stdout().strip();
    }

    private static String teardownOf(Path dir) {
        return "kill $(cat " + dir + "/s.pid); rm -rf " + dir;
    }

    private static boolean alive(String pid) {
        return Files.exists(Path.of("/proc", pid));
    }

    private static void awaitGone(String pid, Path dir) throws InterruptedException {
        for (int i = 0; i < 200 && (alive(pid) || Files.exists(dir)); i++) {
            Thread.sleep(50);
        }
    }

    @Test
    void closingRunsTheTeardown() throws Exception {
        SshRunner r = runner();
        Path dir = tmp.resolve("closed");
        try (RemoteTeardown t = RemoteTeardown.arm(r, "testing", teardownOf(dir), T)) {
            String pid = startSleeper(r, dir);
            assertTrue(alive(pid));
            t.close();
            awaitGone(pid, dir);
            assertFalse(alive(pid), "the remote process outlived the teardown");
            assertFalse(Files.exists(dir));
        }
    }

    @Test
    void aKilledSshStillRunsTheTeardown() throws Exception {
        SshRunner r = runner();
        Path dir = tmp.resolve("killed");
        try (RemoteTeardown t = RemoteTeardown.arm(r, "testing", teardownOf(dir), T)) {
            String pid = startSleeper(r, dir);
            new ProcessBuilder("kill", "-KILL", Long.toString(t.pid())).start().waitFor();
            awaitGone(pid, dir);
            assertFalse(alive(pid), "the remote process outlived a SIGKILLed ssh session");
            assertFalse(Files.exists(dir));
        }
    }

    @Test
    void theSetupRunsInTheSameSessionAndItsValueIsReturned() throws Exception {
        SshRunner r = runner();
        String dir;
        try (RemoteTeardown t = RemoteTeardown.arm(r, "testing", "d=$(mktemp -d -p " + tmp + ") || exit 1; armed=$d",
                "rm -rf \"$d\"", T)) {
            dir = t.value();
            assertTrue(dir.startsWith(tmp + "/"), dir);
            assertTrue(Files.isDirectory(Path.of(dir)));
        }
        assertFalse(Files.exists(Path.of(dir)), "the teardown did not remove what the setup made");
    }

    @Test
    void aFailingSetupFailsTheArming() {
        ConversionException e = assertThrows(ConversionException.class,
                () -> RemoteTeardown.arm(runner(), "arming", "echo no such thing >&2; exit 3", "true", T));
        assertTrue(e.getMessage().startsWith("arming: the teardown session on cloud-user@127.0.0.2 did not start: no such thing"),
                e.getMessage());
    }

    @Test
    void aSessionThatCannotStartIsAnError() {
        SshRunner nowhere = ssh.runner("no-such-host.invalid", Duration.ofSeconds(5));
        ConversionException e = assertThrows(ConversionException.class,
                () -> RemoteTeardown.arm(nowhere, "arming", "true", T));
        assertTrue(e.getMessage().startsWith("arming: the teardown session on cloud-user@no-such-host.invalid did not start"),
                e.getMessage());
    }
}
