package org.v2vwrapper.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17 through the launcher: a wrapper SIGKILLed in the middle of a conversion leaves its secret files
 * behind (nothing in it can run any more); the next wrapper on the same run directory removes them first.
 */
class KilledRunLeftoversIT {
    static final String SECRET = "Vmw4re-S3cret-kill";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    private String request(Path out) {
        return """
                {"vm_name": "win7", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1",
                 "vmware_password": "%s",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "local_output_dir": "%s"}
                """.formatted(SECRET, out);
    }

    private static List<String> secretDirs(Path runDir) throws Exception {
        try (Stream<Path> s = Files.list(runDir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("secrets-")).toList();
        }
    }

    @Test
    void theNextRunRemovesTheSecretsOfASigkilledOne() throws Exception {
        WrapperRun killed = new WrapperRun(tmp.resolve("a")).scenario(new Scenario()
                .out("[   0.0] Setting up the source").sleep(300).exit(0));
        killed.start(request(tmp.resolve("out")));
        long v2vPid = killed.awaitState(s -> s.has("pid"), 60).get("pid").asLong();
        killed.process().destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        killed.process().waitFor();
        ProcessHandle.of(v2vPid).ifPresent(ProcessHandle::destroyForcibly); // parent-death signals are not ours
        List<String> left = secretDirs(killed.runDir);
        assertFalse(left.isEmpty(), "the killed run left no secret directory: nothing to test");

        // The next wrapper on the same run and log directories; its virt-v2v fails at once. It has its own wrapper
        // log (the killed run's, which names its secret directory in the virt-v2v command, is kept apart).
        Path killedLog = killed.logDir.resolve("virt-v2v-wrapper.log").toRealPath();
        WrapperRun next = new WrapperRun(tmp.resolve("a")).scenario(new Scenario()
                .out("[   0.0] Setting up the source").exit(3));
        next.start(request(tmp.resolve("out")));
        assertEquals(2, next.waitFor(60), next.stderr());
        assertEquals(List.of(), secretDirs(next.runDir), "secret directories left behind");
        try (Stream<Path> s = Files.list(next.runDir)) {
            assertEquals(List.of("state.json"), s.map(p -> p.getFileName().toString()).toList());
        }
        String whole = Files.readString(next.logDir.resolve("virt-v2v-wrapper.log"));
        assertFalse(whole.contains(SECRET), "a secret in the wrapper log");
        String log = whole;
        Path nextLog = next.logDir.resolve("virt-v2v-wrapper.log").toRealPath();
        assertFalse(nextLog.equals(killedLog), "the next run reused the killed run's log");
        assertTrue(Files.exists(killedLog), "the killed run's log was not kept");
        for (String dir : left) {
            assertTrue(log.contains(dir), "the log names " + dir + ": " + log);
        }
        assertTrue(log.contains("removed what a previous wrapper left in the run directory"), log);
    }
}
