package org.v2vwrapper.v2vlog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;

/**
 * virt-v2v's {@code --machine-readable=file:PATH} log: one JSON object per line with {@code message},
 * {@code timestamp} and {@code type} ({@code message}, {@code info}, {@code warning}, {@code error}).
 * An error becomes {@code last_message} and marks the run failed; warnings and info are logged; phase messages are
 * left to {@link V2vLogParser}, which sees them in the main log. A line that is not such an object is logged and
 * skipped, never fatal. Pure like V2vLogParser.
 */
public final class MachineReadableParser implements LineSplitter.LineSink {

    /**
     * Created on first use: initialising logging costs a noticeable part of a short replay-log run, and most lines
     * never log.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(MachineReadableParser.class);
    }

    private final ConversionState state;

    public MachineReadableParser(ConversionState state) {
        this.state = state;
    }

    /** A byte feed for the machine-readable log file. */
    public LogFeed newStream() {
        return new LogFeed(this, (byte) 0, this);
    }

    @Override
    public void line(byte[] b, int s, int e, int marker) {
        if (ByteScan.skipSpaces(b, s, e) < e) {
            line(ByteScan.utf8(b, s, e));
        }
    }

    public void line(String line) {
        if (line.isBlank()) {
            return;
        }
        JsonNode record;
        try {
            record = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException ex) {
            Log.LOG.warn("machine-readable log: not JSON, skipped: {}", abbreviate(line));
            return;
        }
        JsonNode message = record == null ? null : record.get("message");
        if (message == null || !message.isTextual()) {
            Log.LOG.warn("machine-readable log: no message, skipped: {}", abbreviate(line));
            return;
        }
        String text = message.asText();
        String type = record.path("type").asText("");
        switch (type) {
            case "error":
                Log.LOG.error("virt-v2v: {}", text);
                state.setLastMessage(LastMessage.error(text));
                state.markFailed();
                break;
            case "warning":
                Log.LOG.warn("virt-v2v: {}", text);
                state.addWarning(text);
                break;
            case "info":
                Log.LOG.info("virt-v2v: {}", text);
                break;
            case "message":
                Log.LOG.debug("virt-v2v: {}", text);
                break;
            default:
                Log.LOG.warn("machine-readable log: unknown type '{}': {}", type, text);
                break;
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 200 ? line : line.substring(0, 200) + "…";
    }
}
