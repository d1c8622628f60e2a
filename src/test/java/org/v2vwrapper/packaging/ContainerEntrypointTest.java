package org.v2vwrapper.packaging;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.e2e.ProjectPaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container's entrypoint script, run directly with every UCI path moved into a temporary directory and a fake
 * wrapper that prints its arguments and the environment it got.
 */
class ContainerEntrypointTest {
    @TempDir
    Path dir;
    Path fakeWrapper;

    record Result(int exitCode, String stdout, String stderr) {
    }

    @BeforeEach
    void fakeWrapper() throws IOException {
        fakeWrapper = dir.resolve("fake-wrapper");
        Files.writeString(fakeWrapper, """
                #!/bin/sh
                echo "args: $*"
                echo "run: $V2V_WRAPPER_RUN_DIR"
                echo "log: $V2V_WRAPPER_LOG_DIR"
                echo "vddk: $V2V_WRAPPER_VDDK_LIBDIR"
                echo "lock: $V2V_WRAPPER_LOCK_DIR"
                echo "by-id: $V2V_WRAPPER_DEV_DISK_BY_ID"
                echo "pid: $$"
                """);
        Files.setPosixFilePermissions(fakeWrapper, PosixFilePermissions.fromString("rwx------"));
    }

    Result run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ProjectPaths.root().resolve("packaging/container/entrypoint").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
        pb.environment().put("UCI_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("UCI_RUN_DIR", dir.resolve("lib/uci").toString());
        pb.environment().put("UCI_LOG_DIR", dir.resolve("log/uci").toString());
        pb.environment().put("UCI_VDDK_DIR", dir.resolve("vddk").toString());
        pb.environment().put("UCI_LOCK_DIR", dir.resolve("lock").toString());
        pb.environment().put("UCI_DEV_DIR", dir.resolve("dev").toString());
        pb.environment().put("UCI_WRAPPER", fakeWrapper.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "entrypoint did not end");
        return new Result(p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    @Test
    void runsTheWrapperOnTheMountedRequestWithEveryPathPassedOn() throws Exception {
        Path request = Files.createDirectories(dir.resolve("data/input")).resolve("conversion.json");
        Files.writeString(request, "{}");
        Files.createDirectories(dir.resolve("vddk"));
        Files.createDirectories(dir.resolve("lock"));
        Result r = run(Map.of(), "--dry-run");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("args: --input=" + request + " --dry-run\n"
                + "run: " + dir.resolve("lib/uci") + "\n"
                + "log: " + dir.resolve("log/uci") + "\n"
                + "vddk: " + dir.resolve("vddk") + "\n"
                + "lock: " + dir.resolve("lock") + "\n"
                + "by-id: " + dir.resolve("dev/disk/by-id") + "\n", r.stdout().replaceAll("pid: \\d+\n", ""));
        assertEquals("", r.stderr());
        assertTrue(Files.isDirectory(dir.resolve("lib/uci")) && Files.isDirectory(dir.resolve("log/uci")),
                "run and log directories made");
    }

    @Test
    void fallsBackToInputJsonInTheRunDirectoryAndNotesWhatIsNotMounted() throws Exception {
        Path request = Files.createDirectories(dir.resolve("lib/uci")).resolve("input.json");
        Files.writeString(request, "{}");
        Result r = run(Map.of());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("args: --input=" + request + "\n"), r.stdout());
        assertTrue(r.stderr().contains("entrypoint: note: no VDDK at " + dir.resolve("vddk")), r.stderr());
        assertTrue(r.stderr().contains("entrypoint: note: no " + dir.resolve("lock")), r.stderr());
    }

    @Test
    void withoutARequestItSaysWhereToMountOne() throws Exception {
        Result r = run(Map.of());
        assertEquals(1, r.exitCode());
        assertEquals("entrypoint: no request: mount it at " + dir.resolve("data/input/conversion.json") + " or "
                + dir.resolve("lib/uci/input.json") + "\n", r.stderr());
        assertEquals("", r.stdout());
    }

    @Test
    void execsTheWrapperSoSignalsReachIt() throws Exception {
        Files.writeString(Files.createDirectories(dir.resolve("data/input")).resolve("conversion.json"), "{}");
        // The shell's own pid ($$ in the fake) equals the entrypoint's when it exec'd.
        Path recorder = dir.resolve("pid-recorder");
        Files.writeString(recorder, "#!/bin/sh\necho \"entry: $$\"\nexec " + ProjectPaths.root()
                .resolve("packaging/container/entrypoint") + " \"$@\"\n");
        Files.setPosixFilePermissions(recorder, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder pb = new ProcessBuilder(recorder.toString()).redirectErrorStream(true);
        pb.environment().put("UCI_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("UCI_RUN_DIR", dir.resolve("run").toString());
        pb.environment().put("UCI_LOG_DIR", dir.resolve("log").toString());
        pb.environment().put("UCI_WRAPPER", fakeWrapper.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String entry = out.replaceAll("(?s).*entry: (\\d+).*", "$1");
        String wrapper = out.replaceAll("(?s).*pid: (\\d+).*", "$1");
        assertEquals(entry, wrapper, out);
    }
}
