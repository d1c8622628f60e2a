package org.v2vwrapper.request;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.v2vwrapper.ConversionException;

/**
 * The request of the {@code nbd_export_only} mode: {@code {"<device>": <port>, …}}, in the request's order.
 * {@link #parse} is the validator: every problem is one line naming the key.
 */
public record ExportMap(Map<Path, Integer> exports) {
    public static final String KEY = "nbd_export_only";
    /** S_IFMT / S_IFBLK / S_IFREG of stat(2). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;

    public ExportMap {
        exports = Collections.unmodifiableMap(new LinkedHashMap<>(exports));
    }

    /** Validates {@code node}, the value of {@value #KEY}. */
    public static ExportMap parse(JsonNode node) throws ConversionException {
        try {
            return validate(node);
        } catch (InvalidRequestException e) {
            throw new ConversionException(e.getMessage());
        }
    }

    /** As {@link #parse}, for the request parser: the problem as an {@link InvalidRequestException} naming the key. */
    static ExportMap validate(JsonNode node) throws InvalidRequestException {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(KEY, "must be an object of device path to port, e.g. "
                    + "{\"/dev/vdb\": 10809}");
        }
        if (node.isEmpty()) {
            throw new InvalidRequestException(KEY, "names no device");
        }
        Map<Path, Integer> exports = new LinkedHashMap<>();
        Map<Integer, String> portOwners = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = KEY + "." + e.getKey();
            JsonNode value = e.getValue();
            if (!value.isIntegralNumber() || !value.canConvertToInt()
                    || value.intValue() < 1 || value.intValue() > 65535) {
                throw new InvalidRequestException(key, "port must be an integer from 1 to 65535, not " + value);
            }
            int port = value.intValue();
            String previous = portOwners.putIfAbsent(port, e.getKey());
            if (previous != null) {
                throw new InvalidRequestException(key, "port " + port + " is already used for " + previous);
            }
            if (e.getKey().isEmpty() || !e.getKey().startsWith("/")) {
                throw new InvalidRequestException(key, "the device must be an absolute path");
            }
            Path device = Path.of(e.getKey());
            checkDevice(key, device);
            exports.put(device, port);
        }
        return new ExportMap(exports);
    }

    /** A block device or a regular file (symlinks followed, as nbdkit's file plugin does). */
    static void checkDevice(String key, Path device) throws InvalidRequestException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(device, "unix:mode");
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidRequestException(key, device + " does not exist");
        } catch (IOException | UnsupportedOperationException e) {
            throw new InvalidRequestException(key, "cannot inspect " + device + ": " + e.getMessage());
        }
        int type = mode & S_IFMT;
        if (type != S_IFBLK && type != S_IFREG) {
            throw new InvalidRequestException(key, device + " is not a block device or a regular file"
                    + (Files.isDirectory(device, LinkOption.NOFOLLOW_LINKS) ? " (a directory)" : ""));
        }
    }
}
