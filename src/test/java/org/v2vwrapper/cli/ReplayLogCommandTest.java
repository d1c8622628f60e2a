package org.v2vwrapper.cli;

import org.v2vwrapper.v2vlog.Fixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ReplayLogCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = new CommandLine(new ReplayLogCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }

    /** The 2.x run as the wrapper saves it: stdout and stderr in one file (stderr first: it is -v noise + bars). */
    private Path mergedLog(String base) throws IOException {
        Path log = dir.resolve(base + ".log");
        Files.write(log, Fixtures.bytes("2.2/" + base + ".stderr"));
        Files.write(log, Fixtures.bytes("2.2/" + base + ".stdout"), java.nio.file.StandardOpenOption.APPEND);
        return log;
    }

    @Test
    void printsTheStateAsOneJsonDocument() throws IOException {
        int rc = run("--v2v-log", mergedLog("inspection-failure-verbose").toString(),
                "--machine-readable-log", Fixtures.path("2.2/inspection-failure-verbose.mr.log").toString());
        assertEquals(0, rc, err.toString());
        JsonNode state = new ObjectMapper().readTree(out.toString());
        assertEquals("Inspecting the source", state.get("status").asText());
        assertTrue(state.get("failed").asBoolean());
        assertEquals("error", state.at("/last_message/type").asText());
        assertTrue(state.at("/last_message/message").asText().startsWith("inspection could not detect"));
        assertEquals(1, out.toString().strip().lines().count(), "one line of JSON");
    }

    @Test
    void sourceDisksSeedTheDisks() throws IOException {
        int rc = run("--v2v-log", Fixtures.path("2.2/local-2disks-tty.typescript").toString(),
                "--source-disk", "[ds] vm/a.vmdk", "--source-disk", "[ds] vm/b.vmdk");
        assertEquals(0, rc, err.toString());
        JsonNode state = new ObjectMapper().readTree(out.toString());
        assertEquals("[ds] vm/a.vmdk", state.at("/disks/0/path").asText());
        assertEquals(100.0, state.at("/disks/0/progress").asDouble());
        assertEquals("[ds] vm/b.vmdk", state.at("/disks/1/path").asText());
        assertEquals(100.0, state.at("/disks/1/progress").asDouble());
        assertEquals(2, state.get("disk_count").asInt());
        assertEquals("Finishing off", state.get("status").asText());
    }

    @Test
    void vmIdFromTheOvfDump() throws IOException {
        assertEquals(0, run("--v2v-log", mergedLog("vdsm-ovf-verbose").toString()), err.toString());
        JsonNode state = new ObjectMapper().readTree(out.toString());
        assertEquals("cccccccc-0000-0000-0000-000000000001", state.get("vm_id").asText());
        assertEquals("windows.img", state.at("/disks/0/path").asText());
    }

    @Test
    void readsAPipeToo() throws Exception {
        Path fifo = dir.resolve("log.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Thread writer = new Thread(() -> {
            try {
                Files.write(fifo, Fixtures.bytes("2.2/local-2disks-tty.typescript"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        assertEquals(0, run("--v2v-log", fifo.toString()), err.toString());
        writer.join();
        JsonNode state = new ObjectMapper().readTree(out.toString());
        assertEquals("disk 2", state.at("/disks/1/path").asText());
        assertEquals(100.0, state.at("/disks/1/progress").asDouble());
    }

    @Test
    void missingFileIsAOneLineErrorAndExitOne() {
        assertEquals(1, run("--v2v-log", dir.resolve("nope.log").toString()));
        assertEquals("", out.toString());
        assertTrue(err.toString().contains("nope.log"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void mainReadsThePlainFormWithoutPicocliAndLeavesTheRestToIt() {
        ReplayLogCommand plain = ReplayLogCommand.plainArguments(new String[] {"--v2v-log", "a.log",
            "--machine-readable-log=m.log", "--source-disk", "[ds] x.vmdk", "--source-disk=/y"});
        assertEquals(Path.of("a.log"), plain.v2vLog);
        assertEquals(Path.of("m.log"), plain.machineReadableLog);
        assertEquals(java.util.List.of("[ds] x.vmdk", "/y"), plain.sourceDisks);
        assertEquals(null, ReplayLogCommand.plainArguments(new String[] {"--help"}));
        assertEquals(null, ReplayLogCommand.plainArguments(new String[] {"--v2v-log"}));
        assertEquals(null, ReplayLogCommand.plainArguments(new String[] {"--source-disk", "x"}));
        assertEquals(null, ReplayLogCommand.plainArguments(new String[] {"--v2v-log", "a", "extra"}));
    }

    @Test
    void v2vLogIsRequired() {
        assertEquals(2, run());
        assertEquals("", out.toString());
    }
}
