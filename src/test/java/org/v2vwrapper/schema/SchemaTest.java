package org.v2vwrapper.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.cli.Streams;
import org.v2vwrapper.cli.WrapperCommand;
import org.v2vwrapper.e2e.ProjectPaths;
import org.v2vwrapper.cli.ReplayLogCommand;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/schema/: every example request, and every sample and produced state file, matches; broken ones do not. */
class SchemaTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void everyExampleMatchesTheRequestSchema() throws IOException {
        List<Path> examples = files(ProjectPaths.root().resolve("examples"));
        assertTrue(examples.size() >= 7, "examples found: " + examples);
        examples.forEach(RequestSchema::assertValid);
    }

    private static JsonNode vddkToRhv(Consumer<ObjectNode> change) {
        ObjectNode r = (ObjectNode) JsonSchemas.read(ProjectPaths.root().resolve("examples/vddk-to-rhv.json"));
        change.accept(r);
        return r;
    }

    @Test
    void brokenRequestsDoNotMatch() {
        List<JsonNode> broken = List.of(
                vddkToRhv(r -> r.remove("vm_name")),
                vddkToRhv(r -> r.put("transport_method", "nfs")),
                vddkToRhv(r -> r.put("local_output_dir", "/tmp/out")),        // two outputs
                vddkToRhv(r -> r.remove("rhv_url")),                          // no output
                vddkToRhv(r -> r.remove("vmware_fingerprint")),
                vddkToRhv(r -> r.remove("rhv_cluster")),
                vddkToRhv(r -> r.put("two_phase", "true")),
                vddkToRhv(r -> r.put("two_phase", true)),                     // no conversion_host_uuid
                vddkToRhv(r -> r.putArray("network_mappings").addObject().put("source", "a")));
        for (JsonNode r : broken) {
            assertFalse(JsonSchemas.errors(JsonSchemas.REQUEST, r).isEmpty(), "accepted: " + r);
        }
        // Unknown keys and nulls are accepted, as the wrapper accepts them.
        assertEquals("", JsonSchemas.errors(JsonSchemas.REQUEST,
                vddkToRhv(r -> r.put("vm_uuid", "x").putNull("allocation"))));
    }

    @Test
    void sampleStatesMatchTheStateSchema() throws IOException {
        List<Path> samples = files(ProjectPaths.root().resolve("src/test/resources/state-samples"));
        assertTrue(samples.size() >= 4, "samples found: " + samples);
        samples.forEach(StateSchema::assertValid);
    }

    @Test
    void brokenStatesDoNotMatch() throws IOException {
        String finished = Files.readString(ProjectPaths.root().resolve("src/test/resources/state-samples/finished.json"));
        ObjectNode base = (ObjectNode) MAPPER.readTree(finished);
        List<Consumer<ObjectNode>> breakages = List.of(
                s -> s.remove("failed"),                                       // finished without failed
                s -> s.putNull("vm_id"),                                       // no null values
                s -> ((ObjectNode) s.get("disks").get(0)).put("progress", 150),
                s -> s.putObject("last_message").put("message", "m").put("type", "fatal"),
                s -> s.put("started", "yes"),
                s -> s.put("finished", false));
        for (Consumer<ObjectNode> b : breakages) {
            ObjectNode s = base.deepCopy();
            b.accept(s);
            assertThrows(AssertionError.class, () -> StateSchema.assertValid(s), "accepted: " + s);
        }
    }

    @Test
    void theStateFileOfARefusedRequestMatches(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8)) {
            int rc = WrapperCommand.execute(new Streams(new ByteArrayInputStream(
                            "{\"vm_name\": \"web01\"}".getBytes(StandardCharsets.UTF_8)), out, out),
                    "--run-dir=" + dir.resolve("run"), "--log-dir=" + dir.resolve("log"));
            assertEquals(1, rc, sink.toString(StandardCharsets.UTF_8));
        }
        Path state = dir.resolve("run/state.json");
        StateSchema.assertValid(state);
        assertTrue(JsonSchemas.read(state).path("finished").asBoolean(), "a final state was checked");
    }

    @Test
    void theStatesTheLogParserMakesFromRealRunsMatch() throws IOException {
        Path fixtures = ProjectPaths.v2vFixtures().resolve("2.2");
        for (String run : List.of("inspection-failure-verbose", "local-1disk-verbose", "vdsm-ovf-verbose")) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cl = new CommandLine(new ReplayLogCommand());
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            int rc = cl.execute("--v2v-log", fixtures.resolve(run + ".stderr").toString(),
                    "--machine-readable-log", fixtures.resolve(run + ".mr.log").toString(),
                    "--source-disk", "[datastore1] vm/vm.vmdk");
            assertEquals(0, rc, err.toString());
            JsonNode state = MAPPER.readTree(out.toString());
            assertTrue(state.path("disks").isArray(), run + ": " + state);
            StateSchema.assertValid(state);
        }
    }
}
