package org.v2vwrapper.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NbdkitProcessTest {
    private static final String SECRET = "s3cr3t-Pa55";

    @TempDir
    Path dir;

    @BeforeEach
    void needsNbdkit() {
        NbdkitTestSupport.assumeNbdkit();
    }

    @AfterEach
    void nothingLeft() {
        NbdkitTestSupport.assertNoNbdkitLeft();
    }

    @Test
    void startsReadOnlyInAPrivateDirectoryAndStopsCleanly() throws Exception {
        NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("memory", "size=1M"));
        Path directory = nbdkit.directory();
        try {
            assertTrue(nbdkit.isAlive());
            assertTrue(Files.exists(nbdkit.socket()));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
            String pid = Files.readString(directory.resolve("nbdkit.pid")).trim();
            assertEquals(Long.toString(nbdkit.pid()), pid);
            try (NbdClient client = NbdClient.connect(nbdkit.uri(), NbdClientOptions.DEFAULTS)) {
                assertTrue(client.export().readOnly());
            }
        } finally {
            nbdkit.stop();
        }
        assertFalse(nbdkit.isAlive());
        assertFalse(Files.exists(directory), "private directory left behind");
        nbdkit.stop(); // idempotent
    }

    @Test
    void startedForARunItIsStoppedByTheRunsCleanupAndNotByAHook() throws Exception {
        org.v2vwrapper.lifecycle.Cleanup cleanup = new org.v2vwrapper.lifecycle.Cleanup();
        NbdkitProcess nbdkit = NbdkitProcess.start("run-disk", NbdkitConfig.of("memory", "size=1M"),
            NbdkitTestSupport.START_TIMEOUT, cleanup);
        Path directory = nbdkit.directory();
        assertTrue(nbdkit.isAlive());
        assertFalse(NbdkitRegistry.live().contains(nbdkit), "no shutdown hook of its own");
        cleanup.close();
        assertFalse(nbdkit.isAlive());
        assertFalse(Files.exists(directory), "private directory left behind");
    }

    @Test
    void passwordReachesNbdkitOnlyAsAFile() throws Exception {
        // The ssh plugin takes password=+FILE and connects only when a client does: enough to see the argv.
        SshSource source = new SshSource("esxi.invalid", "/vmfs/volumes/ds1/vm/vm-flat.vmdk", "root", SECRET);
        assertFalse(source.toString().contains(SECRET));
        assertFalse(source.toNbdkitConfig().toString().contains(SECRET));
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(source.toNbdkitConfig())) {
            String argv = Files.readString(Path.of("/proc", Long.toString(nbdkit.pid()), "cmdline")).replace('\0', ' ');
            assertFalse(argv.contains(SECRET), "password on argv: " + argv);
            assertTrue(argv.contains("password=+" + nbdkit.directory().resolve("password")), argv);
            assertTrue(argv.contains("--readonly") && argv.contains("--exit-with-parent"), argv);
            assertFalse(Files.exists(nbdkit.directory().resolve("password")), "password file kept after start");
        }
    }

    @Test
    void vddkArgumentsAndEnvironment() {
        VddkSource source = new VddkSource("vm-42", "vcenter.example", "AA:BB", Path.of("/opt/vddk"),
            "[ds1] vm/vm.vmdk", "administrator@vsphere.local", SECRET);
        assertFalse(source.toString().contains(SECRET));
        NbdkitConfig config = source.toNbdkitConfig();
        List<String> command = NbdkitProcess.buildCommand("nbdkit", config, Path.of("/p/s"), Path.of("/p/pid"),
            Path.of("/p/password"));
        assertEquals(List.of("nbdkit", "--exit-with-parent", "--readonly", "--foreground", "-U", "/p/s", "-P", "/p/pid",
            "--filter=cacheextents", "--filter=retry", "vddk", "vm=moref=vm-42", "server=vcenter.example",
            "thumbprint=AA:BB", "libdir=/opt/vddk", "file=[ds1] vm/vm.vmdk", "user=administrator@vsphere.local",
            "password=+/p/password"), command);
        assertEquals("/opt/vddk/lib64", config.environment().get("LD_LIBRARY_PATH"));
        assertThrows(IllegalArgumentException.class, () -> NbdkitConfig.of("curl", "password=" + SECRET));
    }

    @Test
    void optionalFiltersOnlyWhenNbdkitHasThem() {
        NbdkitConfig config = NbdkitConfig.of("memory", "size=1M")
            .withOptionalFilters("cacheextents", "no-such-filter-here");
        List<String> command = NbdkitProcess.buildCommand("nbdkit", config, Path.of("/s"), Path.of("/p"), Path.of("/x"));
        assertTrue(command.contains("--filter=cacheextents"), command.toString());
        assertFalse(command.contains("--filter=no-such-filter-here"), command.toString());
    }

    @Test
    void startFailureCarriesNbdkitsMessageAndLeavesNothing() throws IOException {
        Path missing = dir.resolve("missing.img");
        List<Path> before = privateDirectories();
        IOException e = assertThrows(IOException.class,
            () -> NbdkitTestSupport.start(NbdkitConfig.of("file", missing.toString())));
        assertTrue(e.getMessage().contains("exited with code") && e.getMessage().contains("missing.img"),
            e.getMessage());
        assertEquals(before, privateDirectories(), "private directory left behind");
    }

    private static List<Path> privateDirectories() throws IOException {
        try (var paths = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return paths.filter(p -> p.getFileName().toString().startsWith("v2v-nbdkit-")).sorted().toList();
        }
    }

    @Test
    void startTimeoutStopsTheProcess() throws Exception {
        Path fakeNbdkit = dir.resolve("fake-nbdkit");
        Files.writeString(fakeNbdkit, "#!/bin/sh\nexec sleep 60\n");
        fakeNbdkit.toFile().setExecutable(true);
        long before = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> NbdkitProcess.start(fakeNbdkit.toString(), "slow-disk",
            NbdkitConfig.of("memory", "size=1M"), Duration.ofMillis(500)));
        assertTrue(e.getMessage().contains("slow-disk") && e.getMessage().contains("not ready within 0.5 s"),
            e.getMessage());
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(30));
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive)
            .filter(p -> p.info().commandLine().orElse("").contains("sleep 60")).toList(), "fake nbdkit left running");
    }

    /**
     * SIGTERM to the wrapper: a child JVM starts nbdkit and copies from it slowly; after TERM, nbdkit must be
     * gone and its private directory removed (the directory proves the shutdown hook ran, since nbdkit's own
     * --exit-with-parent would leave it).
     */
    @Test
    void sigtermOfTheJvmStopsNbdkitAndRemovesItsFiles() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            NbdkitChildMain.class.getName(), dir.resolve("dest.img").toString())
            .redirectError(dir.resolve("child.err").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String ready = readMarkedLine(out);
            assertTrue(ready != null && ready.startsWith("nbdkit "), "child said " + ready + "; stderr: "
                + Files.readString(dir.resolve("child.err")));
            String[] fields = ready.split(" ");
            long nbdkitPid = Long.parseLong(fields[1]);
            Path privateDirectory = Path.of(fields[2]);
            assertEquals("copying", readMarkedLine(out));
            assertTrue(ProcessHandle.of(nbdkitPid).map(ProcessHandle::isAlive).orElse(false));

            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child JVM ignored SIGTERM");
            ProcessHandle nbdkit = ProcessHandle.of(nbdkitPid).orElse(null);
            if (nbdkit != null) {
                nbdkit.onExit().get(10, TimeUnit.SECONDS); // a zombie being reaped by init at most
            }
            assertFalse(ProcessHandle.of(nbdkitPid).map(ProcessHandle::isAlive).orElse(false), "nbdkit survived");
            assertFalse(Files.exists(privateDirectory), "private directory left behind: " + privateDirectory);
        } finally {
            child.destroyForcibly();
        }
    }

    /** The child's own lines start with "@ " (anything else on its stdout is not ours to parse). */
    private static String readMarkedLine(BufferedReader out) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("@ ")) {
                return line.substring(2);
            }
        }
        return null;
    }
}
