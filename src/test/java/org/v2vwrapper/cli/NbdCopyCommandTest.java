package org.v2vwrapper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.v2vwrapper.nbd.NbdkitTestSupport.MIB;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.nbd.*;
import picocli.CommandLine;

class NbdCopyCommandTest {
    @TempDir
    Path dir;

    private final StringWriter stderr = new StringWriter();
    private final StringWriter stdout = new StringWriter();

    @BeforeEach
    void needsNbdkit() {
        NbdkitTestSupport.assumeNbdkit();
    }

    @AfterEach
    void nothingLeft() {
        NbdkitTestSupport.assertNoNbdkitLeft();
    }

    private int run(String... args) {
        CommandLine commandLine = NbdCopyCommand.commandLine();
        commandLine.setErr(new PrintWriter(stderr, true));
        commandLine.setOut(new PrintWriter(stdout, true));
        return commandLine.execute(args);
    }

    @Test
    void copiesTheWholeExportAndReportsProgressOnStderr() throws Exception {
        Path destination = dir.resolve("out.img");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=16M"))) {
            assertEquals(0, run(nbdkit.uri().toString(), destination.toString()), stderr.toString());
        }
        NbdkitTestSupport.assertPattern(destination, 16L * MIB);
        assertTrue(stderr.toString().contains("16.0 / 16.0 MiB (100%)"), stderr.toString());
        assertEquals("", stdout.toString(), "nothing goes to stdout");
    }

    @Test
    void copiesOnlyTheExtentsListedInTheFile() throws Exception {
        Path destination = dir.resolve("out.img");
        NbdkitTestSupport.fill(destination, 8L * MIB, (byte) 0x11);
        Path extents = Files.writeString(dir.resolve("extents.json"),
            "[{\"start\": 1048576, \"length\": 65536}, {\"start\": 4194304, \"length\": 4096}]");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(NbdkitConfig.of("pattern", "size=8M"))) {
            assertEquals(0, run("--extents", extents.toString(), "--no-progress", nbdkit.uri().toString(),
                destination.toString()), stderr.toString());
        }
        assertEquals("", stderr.toString());
        byte[] content = Files.readAllBytes(destination);
        assertEquals(MIB, java.nio.ByteBuffer.wrap(content).getLong(MIB));
        assertEquals(4L * MIB + 4088, java.nio.ByteBuffer.wrap(content).getLong(4 * MIB + 4088));
        assertEquals(0x11, content[MIB - 1]);
        assertEquals(0x11, content[MIB + 65536]);
        assertEquals(0x11, content[4 * MIB + 4096]);
    }

    @Test
    void serverErrorIsOneLineAndExitCode1() throws Exception {
        NbdkitConfig config = NbdkitConfig.of("memory", "size=1M").withFilters("error")
            .withArgs("error-pread=EIO", "error-pread-rate=100%");
        // memory is all zero: disable extents so that the copy has to read.
        config = config.withOptionalFilters("noextents");
        try (NbdkitProcess nbdkit = NbdkitTestSupport.start(config)) {
            assertEquals(1, run(NbdkitTestSupport.uri(nbdkit, "vm-disk").toString(), dir.resolve("o.img").toString()));
        }
        assertOneLineError("EIO");
        assertTrue(stderr.toString().contains("\"vm-disk\""), stderr.toString());
    }

    @Test
    void badUriAndMissingServerAreOneLineErrors() {
        assertEquals(1, run("http://example.org/disk", dir.resolve("o.img").toString()));
        assertOneLineError("not an NBD URI");
        stderr.getBuffer().setLength(0);
        assertEquals(1, run("nbd+unix:///d?socket=" + dir.resolve("none.sock"), dir.resolve("o.img").toString()));
        assertOneLineError("cannot connect");
        assertFalse(Files.exists(dir.resolve("o.img")), "destination created although nothing was copied");
    }

    @Test
    void usageErrorsAreOneLineToo() {
        assertEquals(1, run("nbd://localhost/x"));
        assertOneLineError("DEST");
        stderr.getBuffer().setLength(0);
        assertEquals(1, run("--connections", "many", "nbd://localhost/x", "out.img"));
        assertOneLineError("--connections");
    }

    private void assertOneLineError(String expected) {
        List<String> lines = stderr.toString().lines().toList();
        assertEquals(1, lines.size(), "expected one line: " + stderr);
        assertTrue(lines.get(0).startsWith("nbd-copy: ") && lines.get(0).contains(expected), lines.get(0));
    }
}
