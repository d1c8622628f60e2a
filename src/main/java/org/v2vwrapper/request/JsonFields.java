package org.v2vwrapper.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Typed access to the keys of one JSON object, with errors that name the key (prefixed by the path of the
 * enclosing object, e.g. {@code network_mappings[1].mac_address}). Remembers which keys were read so the
 * caller can report the rest as unknown. Error messages describe the JSON type, never the value, because
 * the value may be a secret.
 */
final class JsonFields {
    private final ObjectNode node;
    private final String prefix;
    private final Set<String> read = new HashSet<>();

    JsonFields(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    String path(String key) {
        return prefix + key;
    }

    boolean has(String key) {
        JsonNode value = node.get(key);
        return value != null && !value.isNull();
    }

    private Optional<JsonNode> value(String key) {
        read.add(key);
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    /** The value as it is, for a key whose own parser checks it (e.g. {@code throttling}). */
    Optional<JsonNode> raw(String key) {
        return value(key);
    }

    private InvalidRequestException wrongType(String key, String expected, JsonNode actual) {
        return new InvalidRequestException(path(key), "must be " + expected + ", not " + describe(actual.getNodeType()));
    }

    static String describe(JsonNodeType type) {
        return switch (type) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> "null";
        };
    }

    InvalidRequestException missing(String key) {
        // A key of this object that is not known here and is a likely typo of the missing one.
        List<String> present = new ArrayList<>();
        node.fieldNames().forEachRemaining(k -> {
            if (!read.contains(k)) {
                present.add(k);
            }
        });
        present.remove(key);
        if (prefix.isEmpty()) {
            present.removeAll(KeySuggestions.TOP_LEVEL_KEYS);
        }
        Optional<String> typo = KeySuggestions.closest(key, present);
        return new InvalidRequestException(path(key), "missing required key"
                + typo.map(t -> " (the request has " + org.v2vwrapper.text.Printable.escape(path(t))
                        + ": did you mean " + key + "?)").orElse(""));
    }

    Optional<String> string(String key) throws InvalidRequestException {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.get().isTextual()) {
            throw wrongType(key, "a string", v.get());
        }
        return Optional.of(v.get().textValue());
    }

    /** A string that must be present and not blank. */
    String requiredString(String key) throws InvalidRequestException {
        String s = string(key).orElseThrow(() -> missing(key));
        if (s.isBlank()) {
            throw new InvalidRequestException(path(key), "must not be empty");
        }
        return s;
    }

    Optional<String> nonBlankString(String key) throws InvalidRequestException {
        Optional<String> s = string(key);
        if (s.isPresent() && s.get().isBlank()) {
            throw new InvalidRequestException(path(key), "must not be empty");
        }
        return s;
    }

    /** A non-blank string that must be a valid path of this host ({@code Path.of} would throw otherwise). */
    Optional<java.nio.file.Path> filePath(String key) throws InvalidRequestException {
        Optional<String> s = nonBlankString(key);
        return s.isEmpty() ? Optional.empty() : Optional.of(RequestText.path(path(key), s.get()));
    }

    Optional<Secret> secret(String key) throws InvalidRequestException {
        return nonBlankString(key).map(Secret::new);
    }

    Optional<Boolean> bool(String key) throws InvalidRequestException {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.get().isBoolean()) {
            throw wrongType(key, "true or false", v.get());
        }
        return Optional.of(v.get().booleanValue());
    }

    boolean bool(String key, boolean defaultValue) throws InvalidRequestException {
        return bool(key).orElse(defaultValue);
    }

    /** A whole number of at least 0. */
    Optional<Integer> nonNegativeInt(String key) throws InvalidRequestException {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.get().isIntegralNumber() || !v.get().canConvertToInt()) {
            throw wrongType(key, "a whole number", v.get());
        }
        int i = v.get().intValue();
        if (i < 0) {
            throw new InvalidRequestException(path(key), "must be 0 or greater");
        }
        return Optional.of(i);
    }

    Optional<Integer> positiveInt(String key) throws InvalidRequestException {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.get().isIntegralNumber() || !v.get().canConvertToInt()) {
            throw wrongType(key, "a whole number", v.get());
        }
        int i = v.get().intValue();
        if (i <= 0) {
            throw new InvalidRequestException(path(key), "must be greater than 0");
        }
        return Optional.of(i);
    }

    Optional<List<String>> stringList(String key) throws InvalidRequestException {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.get().isArray()) {
            throw wrongType(key, "a list of strings", v.get());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.get().size(); i++) {
            JsonNode item = v.get().get(i);
            if (!item.isTextual()) {
                throw new InvalidRequestException(path(key) + "[" + i + "]",
                        "must be a string, not " + describe(item.getNodeType()));
            }
            if (item.textValue().isBlank()) {
                throw new InvalidRequestException(path(key) + "[" + i + "]", "must not be empty");
            }
            out.add(item.textValue());
        }
        return Optional.of(out);
    }

    Optional<List<JsonFields>> objectList(String key) throws InvalidRequestException {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.get().isArray()) {
            throw wrongType(key, "a list of objects", v.get());
        }
        List<JsonFields> out = new ArrayList<>();
        for (int i = 0; i < v.get().size(); i++) {
            JsonNode item = v.get().get(i);
            String itemPath = path(key) + "[" + i + "]";
            if (!item.isObject()) {
                throw new InvalidRequestException(itemPath, "must be an object, not " + describe(item.getNodeType()));
            }
            out.add(new JsonFields((ObjectNode) item, itemPath + "."));
        }
        return Optional.of(out);
    }

    Optional<JsonFields> object(String key) throws InvalidRequestException {
        Optional<JsonNode> v = value(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!v.get().isObject()) {
            throw wrongType(key, "an object", v.get());
        }
        return Optional.of(new JsonFields((ObjectNode) v.get(), path(key) + "."));
    }

    /**
     * The object's entries as strings: strings as they are, numbers and booleans in their JSON spelling
     * (keystonerc files carry {@code OS_IDENTITY_API_VERSION: 3}).
     */
    Map<String, String> scalarEntries() throws InvalidRequestException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode v = e.getValue();
            if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
                throw new InvalidRequestException(path(e.getKey()),
                        "must be a string, not " + describe(v.getNodeType()));
            }
            out.put(e.getKey(), v.isTextual() ? v.textValue() : v.asText());
        }
        read.addAll(out.keySet());
        return out;
    }

    /** Keys present in the object that nobody asked for. */
    List<String> unreadKeys() {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(k -> {
            if (!read.contains(k)) {
                out.add(path(k));
            }
        });
        return out;
    }
}
