package org.v2vwrapper.throttle.limits;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code {"cpu": "<N>%" | "unlimited", "network": "<bytes per second>" | "unlimited"}}, the shape
 * ManageIQ writes to the throttling file and wrapper 1.x accepted as the request's {@code throttling} key.
 * Values are strings; a JSON integer is accepted too. Other keys (ManageIQ's schema also knows
 * {@code memory} and {@code blockio}, which nothing sends) are ignored.
 */
public final class LimitsParser {
    /** Far above any host (1000 CPUs); keeps the cgroup arithmetic well inside a long. */
    static final long MAX_CPU_PERCENT = 100_000;
    /** 1 TB/s: far above any link; keeps bytes × 8 inside a long. */
    static final long MAX_BYTES_PER_SECOND = 1_000_000_000_000L;
    private static final Pattern PERCENT = Pattern.compile("\\s*(\\d{1,9})\\s*%\\s*");
    private static final Pattern DIGITS = Pattern.compile("\\s*(\\d{1,19})\\s*");
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private LimitsParser() {
    }

    /** The outcome of reading a throttling file: an update, or a warning that changes nothing. */
    public sealed interface FileResult permits Parsed, Malformed {
    }

    public record Parsed(LimitsUpdate update) implements FileResult {
    }

    public record Malformed(String message) implements FileResult {
    }

    /** A throttling file's bytes. Never throws: a bad file is a {@link Malformed} with a one-line reason. */
    public static FileResult parseFile(byte[] content) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            return new Malformed("throttling file ignored: it is not UTF-8 text");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the offending text; report only where it went wrong.
            var at = e.getLocation();
            return new Malformed("throttling file ignored: it is not valid JSON"
                + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (node == null || node.isMissingNode()) {
            return new Malformed("throttling file ignored: it is empty");
        }
        try {
            return new Parsed(parseObject(node, ""));
        } catch (InvalidLimitsException e) {
            return new Malformed("throttling file ignored: " + e.getMessage());
        }
    }

    /**
     * The request's {@code throttling} value, for the request parser. Errors name the key path
     * ({@code <path>.cpu}) and the expected form, never the value.
     *
     * @param path the key path of the value itself, e.g. {@code throttling}
     */
    public static LimitsUpdate parseRequestValue(JsonNode value, String path) throws InvalidLimitsException {
        return parseObject(value, path + ".");
    }

    private static LimitsUpdate parseObject(JsonNode node, String prefix) throws InvalidLimitsException {
        if (!node.isObject()) {
            String where = prefix.isEmpty() ? "the file" : prefix.substring(0, prefix.length() - 1);
            throw new InvalidLimitsException(where, "must be an object, not " + describe(node.getNodeType()));
        }
        return new LimitsUpdate(value(node, prefix, "cpu"), value(node, prefix, "network"));
    }

    private static Optional<OptionalLong> value(JsonNode object, String prefix, String key)
        throws InvalidLimitsException {
        JsonNode value = object.get(key);
        if (value == null) {
            return Optional.empty();
        }
        String path = prefix + key;
        boolean cpu = key.equals("cpu");
        String expected = cpu ? "must be \"<N>%\" (1 to " + MAX_CPU_PERCENT + ") or \"unlimited\""
            : "must be a number of bytes per second (1 to " + MAX_BYTES_PER_SECOND + ") or \"unlimited\"";
        String text;
        if (value.isTextual()) {
            text = value.asText();
        } else if (value.isIntegralNumber() && !cpu) {
            text = value.asText();
        } else {
            throw new InvalidLimitsException(path, expected + ", not " + describe(value.getNodeType()));
        }
        if (text.strip().equalsIgnoreCase(Limits.UNLIMITED_WORD)) {
            return Optional.of(OptionalLong.empty());
        }
        Matcher m = (cpu ? PERCENT : DIGITS).matcher(text);
        if (!m.matches()) {
            throw new InvalidLimitsException(path, expected);
        }
        long number;
        try {
            number = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new InvalidLimitsException(path, expected);
        }
        if (number < 1 || number > (cpu ? MAX_CPU_PERCENT : MAX_BYTES_PER_SECOND)) {
            throw new InvalidLimitsException(path, expected);
        }
        return Optional.of(OptionalLong.of(number));
    }

    private static String describe(JsonNodeType type) {
        return switch (type) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> "null";
        };
    }
}
