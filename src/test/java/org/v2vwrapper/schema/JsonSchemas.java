package org.v2vwrapper.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** docs/schema/*.schema.json, loaded once, and a validator that reports every error at once. */
public final class JsonSchemas {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    static final Schema REQUEST = load("request.schema.json");
    static final Schema STATE = load("state.schema.json");

    private JsonSchemas() {
    }

    private static Schema load(String name) {
        try (InputStream in = Files.newInputStream(projectRoot().resolve("docs/schema").resolve(name))) {
            return REGISTRY.getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkout, found upwards from the working directory (not through e2e.ProjectPaths: e2e uses this). */
    private static Path projectRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docs/schema")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("docs/schema not found above " + Path.of("").toAbsolutePath());
    }

    /** The errors, one per line, or "" when the document is valid. */
    static String errors(Schema schema, JsonNode document) {
        List<Error> errors = schema.validate(document);
        return errors.stream().map(Error::toString).collect(Collectors.joining("\n"));
    }

    static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertValid(Schema schema, String what, JsonNode document) {
        String errors = errors(schema, document);
        if (!errors.isEmpty()) {
            throw new AssertionError(what + " does not match its schema:\n" + errors + "\n" + document);
        }
    }
}
