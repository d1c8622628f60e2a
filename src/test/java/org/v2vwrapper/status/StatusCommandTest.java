package org.v2vwrapper.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.cli.Streams;
import org.v2vwrapper.cli.WrapperCommand;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code status} through the whole command line, in this JVM (stdout is not a terminal here). */
class StatusCommandTest {
    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            rc = WrapperCommand.execute(new Streams(new ByteArrayInputStream(new byte[0]), o, e), args);
        }
        return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void copySample(String name, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        Files.writeString(tmp, StatusViewTest.sample(name).toString());
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void showsTheStateFileInTheRunDirectory(@TempDir Path dir) throws IOException {
        copySample("one-phase-copying.json", dir.resolve("state.json"));
        Result r = run("status", "--run-dir", dir.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("Phase:        Copying disk 1/2"), r.stdout());
    }

    @Test
    void aMissingFileIsOneLineAndExit1(@TempDir Path dir) {
        Result r = run("status", dir.resolve("nope.json").toString());
        assertEquals(1, r.exitCode());
        assertEquals("v2v-wrapper status: cannot read " + dir.resolve("nope.json") + ": no such file\n", r.stderr());
        assertEquals("", r.stdout());
    }

    @Test
    void watchAppendsPlainLinesUntilFinishedAndExitsWithTheResult(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        Thread writer = new Thread(() -> {
            try {
                Thread.sleep(300);
                copySample("one-phase-copying.json", state);
                Thread.sleep(300);
                copySample("failed.json", state);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        Result r = run("status", "--watch", "--interval", "0.05", state.toString());
        writer.join();
        assertEquals(2, r.exitCode(), r.stderr());
        String[] lines = r.stdout().split("\n");
        assertEquals(3, lines.length, r.stdout());
        assertTrue(lines[0].matches("\\d\\d:\\d\\d:\\d\\dZ waiting: cannot read .*: no such file"), lines[0]);
        assertTrue(lines[1].endsWith(" running | Copying disk 1/2 | disk 1 57.3%, disk 2 0.0%"), lines[1]);
        assertTrue(lines[2].endsWith(" failed: virt-v2v: error: inspection could not detect the source guest"
                + " | disk 1 12.5%"), lines[2]);
        assertTrue(!r.stdout().contains("\033["), "no ANSI codes off a terminal");
    }

    @Test
    void watchOfAFinishedConversionExits0AtOnce(@TempDir Path dir) throws IOException {
        copySample("finished.json", dir.resolve("state.json"));
        Result r = run("status", "--watch", "--run-dir", dir.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(1, r.stdout().lines().count(), r.stdout());
    }
}
