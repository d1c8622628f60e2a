package org.v2vwrapper.v2vlog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.v2vwrapper.state.DiskProgress;
import org.v2vwrapper.state.LastMessage;

/**
 * {@code ConversionState.snapshot()} as JSON, written with Jackson's streaming generator. Why not the
 * {@code ObjectMapper}: setting up databind costs about 140 ms of a replay-log run (measured with class-data
 * sharing), as much as parsing 100 MiB; the generator costs under 10 ms. A value of a type not known here falls
 * back to databind, and a test checks that both give the same document.
 */
public final class SnapshotJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    private SnapshotJson() {
    }

    public static String write(Map<String, Object> snapshot) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator gen = FACTORY.createGenerator(out)) {
            value(gen, snapshot);
        }
        return out.toString();
    }

    private static void value(JsonGenerator gen, Object v) throws IOException {
        if (v instanceof String s) {
            gen.writeString(s);
        } else if (v instanceof Boolean b) {
            gen.writeBoolean(b);
        } else if (v instanceof Integer i) {
            gen.writeNumber(i);
        } else if (v instanceof Long l) {
            gen.writeNumber(l);
        } else if (v instanceof Double d) {
            gen.writeNumber(d);
        } else if (v instanceof DiskProgress d) {
            gen.writeStartObject();
            gen.writeStringField("path", d.path());
            gen.writeNumberField("progress", d.progress());
            if (d.commitProgress() != null) {
                gen.writeNumberField("commit_progress", d.commitProgress());
            }
            gen.writeEndObject();
        } else if (v instanceof LastMessage m) {
            gen.writeStartObject();
            gen.writeStringField("message", m.message());
            gen.writeStringField("type", m.type().json());
            gen.writeEndObject();
        } else if (v instanceof List<?> list) {
            gen.writeStartArray();
            for (Object item : list) {
                value(gen, item);
            }
            gen.writeEndArray();
        } else if (v instanceof Map<?, ?> map) {
            gen.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                gen.writeFieldName(String.valueOf(e.getKey()));
                value(gen, e.getValue());
            }
            gen.writeEndObject();
        } else {
            Json.MAPPER.writeValue(gen, v);
        }
    }
}
