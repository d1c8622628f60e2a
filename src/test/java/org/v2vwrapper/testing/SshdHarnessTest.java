package org.v2vwrapper.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class SshdHarnessTest {

    private record Result(int exitCode, String output) {
    }

    private static Result ssh(SshdHarness sshd, String host) throws Exception {
        return ssh(sshd, host, sshd.clientKey());
    }

    private static Result ssh(SshdHarness sshd, String host, Path identity) throws Exception {
        // IdentitiesOnly: offer exactly this key (not ~/.ssh defaults of the passwd home).
        List<String> cmd = new ArrayList<>(List.of("ssh", "-F", sshd.sshConfig().toString(),
                "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "IdentitiesOnly=yes",
                "-i", identity.toString()));
        cmd.add(SshdHarness.USER + "@" + host);
        cmd.addAll(List.of("echo", "ok"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", sshd.home().toString());
        pb.environment().remove("SSH_AUTH_SOCK");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "ssh hung");
        return new Result(p.exitValue(), out.strip());
    }

    @Test
    void echoRoundTripThroughTheMappedHostNamesAndOnlyLoopbackListens() throws Exception {
        Path root;
        try (SshdHarness sshd = SshdHarness.start()) {
            root = sshd.home().getParent();
            for (String host : List.of(SshdHarness.HOST_ADDRESS, SshdHarness.HOST_ALIAS)) {
                Result r = ssh(sshd, host);
                assertEquals(0, r.exitCode(), r.output() + "\n--- sshd log:\n" + sshd.log());
                assertEquals("ok", r.output());
            }
            List<String> listening = sshd.listeningAddresses();
            assertEquals(List.of("127.0.0.1"), listening, "sshd listens on " + listening);
        }
        assertFalse(Files.exists(root), "the harness left its directory behind");
    }

    @Test
    void aKeyThatIsNotAuthorizedIsRefused() throws Exception {
        try (SshdHarness sshd = SshdHarness.start()) {
            Path otherKey = sshd.home().resolve(".ssh/other_key");
            Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", otherKey.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(keygen.waitFor(30, TimeUnit.SECONDS));
            Result r = ssh(sshd, SshdHarness.HOST_ADDRESS, otherKey);
            assertNotEquals(0, r.exitCode(), r.output());
        }
    }

    @Test
    void stoppedOnClose() throws Exception {
        SshdHarness sshd = SshdHarness.start();
        int port = sshd.port();
        sshd.close();
        assertFalse(sshd.isAlive());
        assertEquals(List.of(), SshdHarness.listeningAddresses(port));
    }
}
