package org.v2vwrapper.nbd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the extents for {@code nbd-copy --extents FILE}. Two forms, told apart by the first character:
 * <ul>
 *   <li>JSON: {@code [{"start": 0, "length": 1048576}, ...]} (the shape of VMware's changed areas);</li>
 *   <li>text: one {@code OFFSET LENGTH} pair of decimal byte counts per line; blank lines and lines starting
 *   with {@code #} are ignored.</li>
 * </ul>
 */
public final class ExtentsFile {
    private ExtentsFile() {
    }

    public static List<Extent> read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return text.stripLeading().startsWith("[") ? parseJson(text) : parseLines(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad extents file " + file + ": " + e.getMessage());
        }
    }

    static List<Extent> parseJson(String text) throws IOException {
        JsonNode root = new ObjectMapper().readTree(text);
        List<Extent> extents = new ArrayList<>();
        int index = 0;
        for (JsonNode item : root) {
            JsonNode start = item.get("start");
            JsonNode length = item.get("length");
            if (start == null || length == null || !start.canConvertToLong() || !length.canConvertToLong()
                || !start.isIntegralNumber() || !length.isIntegralNumber()) {
                throw new IllegalArgumentException("item " + index + " needs integer \"start\" and \"length\"");
            }
            extents.add(new Extent(start.asLong(), length.asLong()));
            index++;
        }
        return extents;
    }

    static List<Extent> parseLines(String text) {
        List<Extent> extents = new ArrayList<>();
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            try {
                if (fields.length != 2) {
                    throw new NumberFormatException();
                }
                extents.add(new Extent(Long.parseLong(fields[0]), Long.parseLong(fields[1])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not \"OFFSET LENGTH\": " + line);
            }
        }
        return extents;
    }
}
