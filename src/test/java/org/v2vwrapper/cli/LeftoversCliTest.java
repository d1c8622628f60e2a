package org.v2vwrapper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.run.RunDirLock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A wrapper killed with SIGKILL leaves its secret directories and temporary state files in the run directory
 * (simulated here exactly as SecretStore and StateFile name them); the next wrapper on that directory, and the
 * admin's {@code cleanup} subcommand, remove them, logging names only.
 */
class LeftoversCliTest {
    private static final String LEFT_SECRET = "S3cr3t-left-behind-XYZ";

    @TempDir
    Path tmp;

    private Path runDir() {
        return tmp.resolve("run");
    }

    /** What 2 SIGKILLed runs leave: two secrets-* directories of 0600 files, temp state files, a stale lock. */
    private void leaveWhatAKilledRunLeaves() throws IOException {
        Path run = runDir();
        for (String d : List.of("secrets-4711", "secrets-0815abc")) {
            Path dir = Files.createDirectories(run.resolve(d),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            for (String f : List.of("vmware-password", "rhv-password")) {
                Files.writeString(Files.createFile(dir.resolve(f),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), LEFT_SECRET);
            }
        }
        Files.writeString(run.resolve(".state.json.123456.tmp"), "{\"started\":true}");
        Files.writeString(run.resolve(".state.json.789.tmp"), "{\"sta");
        Files.writeString(run.resolve(RunDirLock.FILE_NAME), "");
        Files.writeString(run.resolve("state.json"), "{\"started\":true,\"status\":\"Copying disk 1/2\"}");
    }

    private List<String> runDirNames() throws IOException {
        try (Stream<Path> s = Files.list(runDir())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theNextRunRemovesADeadRunsSecretsAndTempFilesAndLogsTheirNames() throws IOException {
        leaveWhatAKilledRunLeaves();
        // Any run does it first, even one whose request turns out invalid.
        byte[] request = "{\"vm_name\": \"web01\"}".getBytes(StandardCharsets.UTF_8);
        InProcess.Result r = InProcess.run(request, "--run-dir=" + runDir(), "--log-dir=" + tmp.resolve("log"),
                "--virt-v2v=/nonexistent/virt-v2v");
        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals(List.of("state.json"), runDirNames(), "left in the run directory");

        String log = Files.readString(tmp.resolve("log").resolve("virt-v2v-wrapper.log"));
        assertTrue(log.contains("secrets-4711 (2 files)") && log.contains("secrets-0815abc (2 files)")
                && log.contains(".state.json.123456.tmp") && log.contains(".state.json.789.tmp"), log);
        assertFalse(log.contains(LEFT_SECRET), "a removed secret's content is in the log");
        assertFalse(log.contains("\"started\""), "a removed temp file's content is in the log");
    }

    @Test
    void cleanupSubcommandRemovesTheSameWhenNoWrapperHoldsTheDirectory() throws IOException {
        leaveWhatAKilledRunLeaves();
        InProcess.Result r = InProcess.run(new byte[0], "cleanup", "--run-dir=" + runDir());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("", r.stderr());
        assertTrue(r.stdout().startsWith("removed: ") && r.stdout().contains("secrets-4711 (2 files)")
                && r.stdout().contains(".state.json.789.tmp"), r.stdout());
        assertFalse(r.stdout().contains(LEFT_SECRET));
        // The dead run's state file stays for whoever polls it; the lock file is removed with the lock.
        assertEquals(List.of("state.json"), runDirNames());

        InProcess.Result again = InProcess.run(new byte[0], "cleanup", "--run-dir=" + runDir());
        assertEquals(0, again.exitCode());
        assertEquals("nothing to remove", again.stdout().strip());
    }

    @Test
    void cleanupSubcommandRefusesWhileALiveProcessHoldsTheLock() throws Exception {
        leaveWhatAKilledRunLeaves();
        List<String> before = runDirNames();
        // Another process holds the run directory (a POSIX lock, as the wrapper's) until its stdin closes.
        Process holder = new ProcessBuilder("python3", "-c",
                "import fcntl,sys; f=open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True);"
                        + " sys.stdin.read()", runDir().resolve(RunDirLock.FILE_NAME).toString()).start();
        try {
            assertEquals("held", new String(holder.getInputStream().readNBytes(4), StandardCharsets.UTF_8));
            InProcess.Result r = InProcess.run(new byte[0], "cleanup", "--run-dir=" + runDir());
            assertEquals(1, r.exitCode(), r.stdout());
            assertEquals(1, r.stderr().lines().count(), r.stderr());
            assertTrue(r.stderr().contains("held by a live v2v-wrapper; nothing removed"), r.stderr());
            assertEquals(before, runDirNames(), "files removed under a live wrapper");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aSymbolicLinkNamedLikeASecretDirectoryIsRemovedAsALinkOnly() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path precious = Files.writeString(outside.resolve("precious"), "keep me");
        Files.createDirectories(runDir());
        Files.createSymbolicLink(runDir().resolve("secrets-evil"), outside);
        InProcess.Result r = InProcess.run(new byte[0], "cleanup", "--run-dir=" + runDir());
        assertEquals(0, r.exitCode(), r.stderr());
        assertFalse(Files.exists(runDir().resolve("secrets-evil"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(precious), "followed the link out of the run directory");
    }
}
