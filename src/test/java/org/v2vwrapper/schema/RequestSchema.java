package org.v2vwrapper.schema;

import java.nio.file.Path;

/** {@code RequestSchema.assertValid(file)}: the request matches docs/schema/request.schema.json. */
public final class RequestSchema {
    private RequestSchema() {
    }

    public static void assertValid(Path request) {
        JsonSchemas.assertValid(JsonSchemas.REQUEST, request.toString(), JsonSchemas.read(request));
    }
}
