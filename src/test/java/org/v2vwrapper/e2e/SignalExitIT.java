package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15 rough edges: SIGTERM/SIGINT end the wrapper with the documented exit codes (2 once the conversion
 * started, 1 before), not 143/130, with {@code finished}/{@code failed} in the state file; a signal while the
 * request is still being read leaves a final state file too.
 */
class SignalExitIT {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tmp;

    private String request() {
        return """
                {"vm_name": "win7", "transport_method": "vddk",
                 "vmware_uri": "esx://root@esxi.example.com?no_verify=1",
                 "vmware_password": "Vmw4re-S3cret-sig",
                 "vmware_fingerprint": "1A:3F:26:C6:DC:2C:44:88:AA:33:81:3C:18:6E:5D:9F:C0:EE:DF:5C",
                 "local_output_dir": "%s"}
                """.formatted(tmp.resolve("out"));
    }

    @Test
    void sigintDuringTheConversionExitsTwoWithAFinalState() throws Exception {
        WrapperRun run = new WrapperRun(tmp).scenario(new Scenario().out("[   0.0] Setting up the source")
                .child().sleep(300).exit(0));
        run.start(request());
        run.awaitState(s -> s.has("pid"), 30);
        new ProcessBuilder("kill", "-INT", String.valueOf(run.pid())).start().waitFor();
        assertEquals(2, run.waitFor(30), run.stderr());
        JsonNode s = run.state();
        assertTrue(s.get("finished").asBoolean());
        assertTrue(s.get("failed").asBoolean());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
    }

    @Test
    void sigtermWhileReadingTheRequestExitsOneWithAFinalState() throws Exception {
        Path runDir = Files.createDirectories(tmp.resolve("run"));
        Path logDir = Files.createDirectories(tmp.resolve("log"));
        Process p = new ProcessBuilder(List.of(ProjectPaths.launcher().toString(),
                "--virt-v2v=" + ProjectPaths.fakeVirtV2v(), "--run-dir=" + runDir, "--log-dir=" + logDir))
                .redirectOutput(tmp.resolve("stdout.txt").toFile())
                .redirectError(tmp.resolve("stderr.txt").toFile())
                .start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write("{\"vm_name\": ".getBytes()); // and then nothing: the wrapper is still reading
            stdin.flush();
            Path wrapperLog = logDir.resolve("virt-v2v-wrapper.log");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(Files.exists(wrapperLog) && Files.readString(wrapperLog).contains("starting"))) {
                assertTrue(System.nanoTime() < deadline, "the wrapper did not start");
                Thread.sleep(50);
            }
            Thread.sleep(200);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the wrapper did not exit");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(1, p.exitValue(), Files.readString(tmp.resolve("stderr.txt")));
        JsonNode s = new ObjectMapper().readTree(runDir.resolve("state.json").toFile());
        assertTrue(s.get("finished").asBoolean(), s.toString());
        assertTrue(s.get("failed").asBoolean(), s.toString());
        assertTrue(s.get("last_message").get("message").asText().contains("before the conversion started"),
                s.toString());
    }
}
