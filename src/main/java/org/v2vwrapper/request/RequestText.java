package org.v2vwrapper.request;

import com.fasterxml.jackson.databind.JsonNode;
import org.v2vwrapper.text.Printable;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks on the text of a request that hold for every key and value, before any value is used: no NUL (no file
 * name, argument or environment entry can hold one; {@code ProcessBuilder} and {@code Path.of} would throw with
 * the value in the exception's message) and no unpaired surrogate (it cannot be encoded, so it would be replaced
 * silently or throw the same way). Problems name the key path, never the value.
 */
final class RequestText {
    private static final java.util.regex.Pattern ENV_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]+");

    private RequestText() {
    }

    /** Walks the whole document: every key and every string value anywhere, including keys nobody reads. */
    static void check(JsonNode node, String path) throws InvalidRequestException {
        if (node.isTextual()) {
            checkValue(path, node.textValue());
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), path + "[" + i + "]");
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String keyPath = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (e.getKey().indexOf('\0') >= 0) {
                    throw new InvalidRequestException(keyPath, "key names must not contain a NUL character");
                }
                if (Printable.hasLoneSurrogate(e.getKey())) {
                    throw new InvalidRequestException(keyPath, "key names must not contain an unpaired surrogate");
                }
                check(e.getValue(), keyPath);
            }
        }
    }

    static void checkValue(String key, String value) throws InvalidRequestException {
        if (value.indexOf('\0') >= 0) {
            throw new InvalidRequestException(key, "must not contain a NUL character");
        }
        if (Printable.hasLoneSurrogate(value)) {
            throw new InvalidRequestException(key, "must not contain an unpaired surrogate (\\uD800-\\uDFFF)");
        }
    }

    /** {@code value} as a path of this host, or an invalid request naming {@code key}. */
    static Path path(String key, String value) throws InvalidRequestException {
        checkValue(key, value);
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            // The exception's message holds the value: only the key goes on.
            throw new InvalidRequestException(key,
                    "is not a valid path on this host (a character the file system encoding cannot hold)");
        }
    }

    /**
     * An environment variable's name and value as {@code ProcessBuilder} and the C library need them: a name
     * that is not empty and holds only letters, digits, {@code _} and {@code -} (so no {@code =}, NUL or
     * control character), a value without NUL.
     */
    static void checkEnvironment(String key, String name, String value) throws InvalidRequestException {
        if (name.isEmpty()) {
            throw new InvalidRequestException(key, "names no variable after the os- or os_ prefix");
        }
        if (name.indexOf('=') >= 0) {
            throw new InvalidRequestException(key, "an environment variable name must not contain '='");
        }
        if (name.chars().anyMatch(c -> c == 0 || Character.isISOControl(c))) {
            throw new InvalidRequestException(key,
                    "an environment variable name must not contain NUL or control characters");
        }
        if (!ENV_NAME.matcher(name).matches()) {
            // Also keeps the secret-name rule sound: "os-pass\u202Eword" would not read as a password's name.
            throw new InvalidRequestException(key, "after the prefix, only letters, digits, '_' and '-' may follow");
        }
        if (value.indexOf('\0') >= 0) {
            throw new InvalidRequestException(key, "an environment variable value must not contain a NUL character");
        }
        checkValue(key, name);
        checkValue(key, value);
    }
}
