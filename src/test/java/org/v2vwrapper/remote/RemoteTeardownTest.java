package org.v2vwrapper.remote;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.secrets.SshAgent;
import org.v2vwrapper.testing.SshdHarness;

/**
 * Against a real sshd: the remote teardown runs when the session's stdin is closed and when the local ssh is
 * SIGKILLed (what is left of a SIGKILLed wrapper), and stops what was started remotely after it was armed.
 */
class RemoteTeardownTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static SshdHarness sshd;
    private static Cleanup cleanup;
    private static SshAgent agent;
    private static Path tmp;

    @BeforeAll
    static void startSshd() throws Exception {
        sshd = SshdHarness.start();
        cleanup = new Cleanup();
        tmp = Files.createTempDirectory("v2v-teardown-test-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        SecretStore secrets = SecretStore.create(tmp);
        cleanup.register("secrets", secrets::close);
        agent = SshAgent.start(cleanup);
        agent.addKey(Optional.of(new Secret(sshd.clientKeyText())), secrets);
    }

    @AfterAll
    static void stopSshd() throws Exception {
        if (cleanup != null) {
            cleanup.close();
        }
        if (sshd != null) {
            sshd.close();
        }
        if (tmp != null) {
            try (var walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static SshRunner runner() {
        return new SshRunner(SshdHarness.HOST_ADDRESS,
                new SshOptions("cloud-user", Optional.of(sshd.home()), Optional.of(agent.socket()), Duration.ofSeconds(10)));
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
        SshRunner ssh = runner();
        Path dir = tmp.resolve("closed");
        try (RemoteTeardown t = RemoteTeardown.arm(ssh, "testing", teardownOf(dir), T)) {
            String pid = startSleeper(ssh, dir);
            assertTrue(alive(pid));
            t.close();
            awaitGone(pid, dir);
            assertFalse(alive(pid), "the remote process outlived the teardown");
            assertFalse(Files.exists(dir));
        }
    }

    @Test
    void aKilledSshStillRunsTheTeardown() throws Exception {
        SshRunner ssh = runner();
        Path dir = tmp.resolve("killed");
        try (RemoteTeardown t = RemoteTeardown.arm(ssh, "testing", teardownOf(dir), T)) {
            String pid = startSleeper(ssh, dir);
            new ProcessBuilder("kill", "-KILL", Long.toString(t.pid())).start().waitFor();
            awaitGone(pid, dir);
            assertFalse(alive(pid), "the remote process outlived a SIGKILLed ssh session");
            assertFalse(Files.exists(dir));
        }
    }

    @Test
    void theSetupRunsInTheSameSessionAndItsValueIsReturned() throws Exception {
        SshRunner ssh = runner();
        String dir;
        try (RemoteTeardown t = RemoteTeardown.arm(ssh, "testing", "d=$(mktemp -d -p " + tmp + ") || exit 1; armed=$d",
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
        SshRunner ssh = new SshRunner("no-such-host.invalid", new SshOptions("cloud-user", Optional.of(sshd.home()),
                Optional.of(agent.socket()), Duration.ofSeconds(5)));
        ConversionException e = assertThrows(ConversionException.class,
                () -> RemoteTeardown.arm(ssh, "arming", "true", T));
        assertTrue(e.getMessage().startsWith("arming: the teardown session on cloud-user@no-such-host.invalid did not start"),
                e.getMessage());
    }
}
