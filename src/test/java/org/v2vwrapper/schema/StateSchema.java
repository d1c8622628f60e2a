package org.v2vwrapper.schema;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * For any test that has a state file: {@code StateSchema.assertValid(run.runDir.resolve("state.json"))} fails with
 * every schema error (docs/schema/state.schema.json) and the document.
 */
public final class StateSchema {
    private StateSchema() {
    }

    public static void assertValid(Path stateFile) {
        JsonSchemas.assertValid(JsonSchemas.STATE, stateFile.toString(), JsonSchemas.read(stateFile));
    }

    public static void assertValid(JsonNode state) {
        JsonSchemas.assertValid(JsonSchemas.STATE, "state", state);
    }
}
