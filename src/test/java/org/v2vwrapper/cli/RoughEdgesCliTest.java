package org.v2vwrapper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.request.KeySuggestions;
import org.v2vwrapper.request.RequestFixtures;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rough edges of issue 15 item 5 that the command line itself shows (each test names its edge). */
class RoughEdgesCliTest {

    @TempDir
    Path dir;

    private static byte[] bytes(ObjectNode request) {
        return RequestFixtures.text(request).getBytes(StandardCharsets.UTF_8);
    }

    private String[] dirs(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--run-dir=" + dir.resolve("run"),
                "--log-dir=" + dir.resolve("log"), "--virt-v2v=" + dir.resolve("no-virt-v2v")));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private String disk() {
        try {
            Path d = dir.resolve("disk.img");
            if (!Files.exists(d)) {
                Files.write(d, new byte[512]);
            }
            return d.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // --- unknown keys: warnings in --dry-run, "did you mean" ---

    @Test
    void dryRunWarnsOfEachUnknownKeyWithASuggestion() {
        ObjectNode r = RequestFixtures.diskToLocal(disk());
        r.put("instal_drivers", true);
        r.put("vm_uuid", "x");
        InProcess.Result res = InProcess.run(bytes(r), dirs("--dry-run"));
        assertEquals(0, res.exitCode(), res.stderr());
        assertTrue(res.stderr().contains("warning: ignoring unknown key instal_drivers (did you mean install_drivers?)"),
                res.stderr());
        assertTrue(res.stderr().lines().anyMatch(l -> l.endsWith("ignoring unknown key vm_uuid")), res.stderr());
        assertEquals(2, res.stderr().lines().count(), res.stderr());
    }

    @Test
    void missingRequiredKeyNamesTheLikelyTypo() {
        ObjectNode r = RequestFixtures.diskToLocal(disk());
        r.set("vm_nmae", r.remove("vm_name"));
        InProcess.Result res = InProcess.run(bytes(r), dirs("--dry-run"));
        assertEquals(1, res.exitCode());
        assertTrue(res.stderr().contains("vm_name: missing required key (the request has vm_nmae: did you mean vm_name?)"),
                res.stderr());
    }

    @Test
    void suggestionsOnlyWithinASmallDistance() {
        assertEquals(Optional.of("two_phase"), KeySuggestions.forUnknownTopLevelKey("two_phsae"));
        assertEquals(Optional.of("warm"), KeySuggestions.forUnknownTopLevelKey("wram"));
        assertEquals(Optional.empty(), KeySuggestions.forUnknownTopLevelKey("vm_uuid"));
        assertEquals(Optional.empty(), KeySuggestions.forUnknownTopLevelKey("completely_else"));
    }

    @Test
    void knownKeysAreThoseOfTheRequestSchema() throws IOException {
        var schema = new ObjectMapper().readTree(Path.of("docs/schema/request.schema.json").toFile());
        TreeSet<String> properties = new TreeSet<>();
        schema.get("properties").fieldNames().forEachRemaining(properties::add);
        assertEquals(properties, new TreeSet<>(KeySuggestions.TOP_LEVEL_KEYS));
    }

    // --- error messages keep the reason ---

    @Test
    void unusableRunDirectorySaysWhy() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")));
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
        try {
            InProcess.Result res = InProcess.run(new byte[0], "--run-dir=" + locked.resolve("uci"),
                    "--log-dir=" + dir.resolve("log"));
            assertEquals(1, res.exitCode());
            assertEquals("v2v-wrapper: cannot use the run/log directory " + locked.resolve("uci")
                    + ": permission denied\n", res.stderr());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void runDirectoryUnderAFileSaysWhy() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "");
        InProcess.Result res = InProcess.run(new byte[0], "--run-dir=" + file.resolve("uci"),
                "--log-dir=" + dir.resolve("log"));
        assertEquals(1, res.exitCode());
        assertEquals("v2v-wrapper: cannot use the run/log directory " + file.resolve("uci")
                + ": not a directory\n", res.stderr());
    }

    @Test
    void nbdCopyNamesTheMissingFile() {
        StringWriter err = new StringWriter();
        var cl = NbdCopyCommand.commandLine();
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("--extents", "/nonexistent", "nbd://127.0.0.1:1/x", dir.resolve("out").toString());
        assertEquals(1, rc);
        assertEquals("nbd-copy: /nonexistent: no such file", err.toString().strip());
    }

    @Test
    void replayLogOfADirectorySaysIsADirectory() {
        InProcess.Result res = InProcess.run(new byte[0], "replay-log", "--v2v-log", dir.toString());
        assertEquals(1, res.exitCode());
        assertEquals("replay-log: cannot read " + dir + ": is a directory", res.stderr().strip());
    }

    // --- nbd-copy --version; replay-log positional and repeats ---

    @Test
    void nbdCopyPrintsItsVersion() {
        StringWriter out = new StringWriter();
        var cl = NbdCopyCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--version"));
        assertTrue(out.toString().strip().matches("nbd-copy \\(virt-v2v-wrapper\\) \\S+"), out.toString());
    }

    @Test
    void replayLogTakesThePositionalLog() throws IOException {
        Path log = Files.writeString(dir.resolve("v.log"), "[   1.0] Opening the source\n");
        InProcess.Result res = InProcess.run(new byte[0], "replay-log", log.toString());
        assertEquals(0, res.exitCode(), res.stderr());
        assertTrue(res.stdout().startsWith("{"), res.stdout());
        assertEquals(res.stdout(), InProcess.run(new byte[0], "replay-log", "--v2v-log", log.toString()).stdout());
    }

    @Test
    void replayLogRefusesARepeatedLog() throws IOException {
        Path log = Files.writeString(dir.resolve("v.log"), "x\n");
        for (String[] args : List.of(new String[] {"replay-log", "--v2v-log", log.toString(), "--v2v-log", log.toString()},
                new String[] {"replay-log", "--v2v-log", log.toString(), log.toString()},
                new String[] {"replay-log"})) {
            InProcess.Result res = InProcess.run(new byte[0], args);
            assertEquals(1, res.exitCode(), String.join(" ", args));
            assertEquals(1, res.stderr().lines().count(), res.stderr());
            assertEquals("", res.stdout());
        }
        assertEquals(null, ReplayLogCommand.plainArguments(
                new String[] {"--v2v-log", log.toString(), "--v2v-log", log.toString()}));
        assertEquals(log, ReplayLogCommand.plainArguments(new String[] {log.toString()}).v2vLog);
    }

    // --- the request from a terminal; --input - ---

    @Test
    void aTerminalGetsOneHint() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        RequestInput.read(Optional.empty(), new java.io.ByteArrayInputStream("{}".getBytes()), e, true);
        assertEquals(RequestInput.TERMINAL_HINT + "\n", err.toString(StandardCharsets.UTF_8));
        err.reset();
        RequestInput.read(Optional.empty(), new java.io.ByteArrayInputStream("{}".getBytes()), e, false);
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void inputDashIsStdin() {
        InProcess.Result res = InProcess.run(bytes(RequestFixtures.diskToLocal(disk())),
                dirs("--dry-run", "--input=-"));
        assertEquals(0, res.exitCode(), res.stderr());
    }

    // --- host checks ---

    @Test
    void severalChecksRunEachAndFailIfAnyFails() {
        InProcess.Result res = InProcess.run(new byte[0], "--vddk-libdir=" + dir, "--check-vddk", "--check-ssh-agent");
        assertEquals(1, res.exitCode());
        assertTrue(res.stderr().startsWith("FAIL vddk: no libvixDiskLib.so"), res.stderr());
        // the second check ran too, whatever its result on this machine
        assertTrue((res.stdout() + res.stderr()).contains(" ssh-agent: "), res.stdout() + res.stderr());
    }

    @Test
    void checkAllAndChecksRunRunEveryCheck() {
        for (String[] args : List.of(new String[] {"--vddk-libdir=" + dir, "--check-all"},
                new String[] {"--vddk-libdir=" + dir, "--checks", "--run"})) {
            InProcess.Result res = InProcess.run(new byte[0], args);
            assertEquals(1, res.exitCode(), "the VDDK check fails here");
            String all = res.stdout() + res.stderr();
            for (HostCheck c : HostCheck.values()) {
                assertTrue(all.contains(" " + c.checkName() + ": "), c + " not run: " + all);
            }
        }
    }

    private static byte[] elf(int cls, int type, int machine) {
        byte[] h = new byte[64];
        h[0] = 0x7f;
        h[1] = 'E';
        h[2] = 'L';
        h[3] = 'F';
        h[4] = (byte) cls;
        h[5] = 1;
        h[16] = (byte) type;
        h[18] = (byte) machine;
        h[19] = (byte) (machine >> 8);
        return h;
    }

    @Test
    void vddkCheckReadsTheElfHeader() throws Exception {
        Path lib = dir.resolve("libvixDiskLib.so.8");
        Files.write(lib, elf(2, 3, 62));
        HostCheck.checkElfLibrary(lib, "amd64");
        Files.write(lib, elf(2, 3, 183));
        HostCheck.checkElfLibrary(lib, "aarch64");
        assertTrue(assertThrows(ConversionException.class, () -> HostCheck.checkElfLibrary(lib, "amd64"))
                .getMessage().contains("another machine"));
        Files.write(lib, elf(1, 3, 62));
        assertTrue(assertThrows(ConversionException.class, () -> HostCheck.checkElfLibrary(lib, "amd64"))
                .getMessage().contains("not a 64-bit"));
        Files.write(lib, elf(2, 2, 62));
        assertTrue(assertThrows(ConversionException.class, () -> HostCheck.checkElfLibrary(lib, "amd64"))
                .getMessage().contains("not a shared library"));
        Files.writeString(lib, "just a name\n");
        assertTrue(assertThrows(ConversionException.class, () -> HostCheck.checkElfLibrary(lib, "amd64"))
                .getMessage().contains("not an ELF file"));
    }

    @Test
    void vddkCheckPassesOnARealLibraryOfThisMachine() throws IOException {
        // libc of this machine is a 64-bit shared object of the JVM's architecture
        Path libc = java.util.stream.Stream.of("/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6")
                .map(Path::of).filter(Files::isRegularFile).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(libc != null);
        Path lib64 = Files.createDirectories(dir.resolve("vddk/lib64"));
        Files.copy(libc, lib64.resolve("libvixDiskLib.so.8"));
        InProcess.Result res = InProcess.run(new byte[0], "--vddk-libdir=" + dir.resolve("vddk"), "--check-vddk");
        assertEquals(0, res.exitCode(), res.stderr());
        assertTrue(res.stdout().startsWith("PASS vddk: "), res.stdout());
    }
}
