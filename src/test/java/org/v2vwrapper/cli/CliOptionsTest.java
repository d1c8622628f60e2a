package org.v2vwrapper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.RequestFixtures;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options outside a conversion: --version, host checks, bad options, an invalid request in a dry run. */
class CliOptionsTest {

    @Test
    void versionPrintsTheToolNameAndVersion() {
        InProcess.Result r = InProcess.run(new byte[0], "--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().matches("virt-v2v-wrapper \\S+\\n"), r.stdout());
    }

    @Test
    void checksListsEveryCheck() {
        InProcess.Result r = InProcess.run(new byte[0], "--checks");
        assertEquals(0, r.exitCode());
        assertEquals(List.of("virt-v2v", "nbdkit", "vddk", "nbdkit-vddk", "openstack", "ovirtsdk4", "ssh-agent"),
                r.stdout().lines().map(l -> l.split("\\s+")[0]).toList());
    }

    @Test
    void aFailingCheckSaysWhyOnStderrAndExitsOne() {
        InProcess.Result r = InProcess.run(new byte[0], "--check-virt-v2v", "--virt-v2v=/nonexistent/virt-v2v");
        assertEquals(1, r.exitCode());
        assertEquals("", r.stdout());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().startsWith("FAIL virt-v2v: cannot run virt-v2v (/nonexistent/virt-v2v)"), r.stderr());
    }

    @Test
    void theVddkCheckFailsWithoutTheLibrary(@TempDir Path tmp) {
        InProcess.Result r = InProcess.run(new byte[0], "--check-vddk", "--vddk-libdir=" + tmp);
        assertEquals(1, r.exitCode());
        assertEquals("FAIL vddk: no libvixDiskLib.so in " + tmp.resolve("lib64") + " (--vddk-libdir)\n", r.stderr());
    }

    @Test
    void theVddkCheckFailsOnAFileThatOnlyHasTheName(@TempDir Path tmp) throws Exception {
        // a file name is not a library (the passing case with a real ELF library: RoughEdgesCliTest)
        Files.createDirectories(tmp.resolve("lib64"));
        Files.createFile(tmp.resolve("lib64/libvixDiskLib.so.8"));
        InProcess.Result r = InProcess.run(new byte[0], "--check-vddk", "--vddk-libdir=" + tmp);
        assertEquals(1, r.exitCode(), r.stderr());
        assertEquals("FAIL vddk: " + tmp.resolve("lib64/libvixDiskLib.so.8") + " is not an ELF file\n", r.stderr());
    }

    @Test
    void theSshAgentCheckPassesWhereOpensshClientIsInstalled() {
        InProcess.Result r = InProcess.run(new byte[0], "--check-ssh-agent");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("PASS ssh-agent: ssh-agent, ssh-add and ssh found\n", r.stdout());
    }

    @Test
    void anUnknownOptionIsOneLineAndExitOne() {
        InProcess.Result r = InProcess.run(new byte[0], "--no-such-option");
        assertEquals(1, r.exitCode());
        assertEquals("", r.stdout());
        assertEquals("v2v-wrapper: Unknown option: '--no-such-option' (see --help)\n", r.stderr());
    }

    @Test
    void anInvalidRequestInADryRunIsOneLineAndTouchesNothing(@TempDir Path tmp) {
        var n = RequestFixtures.vddkToRhv();
        n.remove("rhv_cluster");
        InProcess.Result r = InProcess.run(RequestFixtures.text(n).getBytes(StandardCharsets.UTF_8), "--dry-run",
                "--run-dir=" + tmp.resolve("run"), "--log-dir=" + tmp.resolve("log"), "--virt-v2v=/nonexistent");
        assertEquals(1, r.exitCode());
        assertEquals("", r.stdout());
        assertEquals("v2v-wrapper: invalid request: rhv_cluster: required with rhv_url\n", r.stderr());
        assertFalse(Files.exists(tmp.resolve("run")), "a dry run creates no run directory");
        assertFalse(Files.exists(tmp.resolve("log")), "a dry run creates no log directory");
    }

    @Test
    void aDryRunReadsTheRequestFromStdin() {
        InProcess.Result r = InProcess.run(RequestFixtures.text(RequestFixtures.vddkToRhv()).getBytes(StandardCharsets.UTF_8),
                "--dry-run", "--virt-v2v=/nonexistent");
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("# transport vddk, output rhv\n"), r.stdout());
        assertFalse(r.stdout().contains(RequestFixtures.SECRET_MARK), r.stdout());
    }
}
