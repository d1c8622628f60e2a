package org.v2vwrapper.status;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A human view of a state file (docs/state-file.md): a pure function of the state JSON and the current time, so
 * {@code status} and its tests render the same text. Keys it does not know are ignored, missing keys are "not yet
 * known" and simply not shown.
 */
public final class StatusView {
    private static final int BAR_WIDTH = 30;

    private StatusView() {
    }

    /** The outcome as a word: {@code converted}, {@code failed} or {@code running}. */
    public static String result(JsonNode state) {
        if (!state.path("finished").asBoolean(false)) {
            return "running";
        }
        return state.path("failed").asBoolean(false) ? "failed" : "converted";
    }

    /** The full view, one line per item, each ending in a newline. */
    public static String render(JsonNode state, double nowEpochSeconds) {
        List<String> out = new ArrayList<>();
        out.add(field("Result", resultLine(state)));
        if (state.hasNonNull("status")) {
            out.add(field("Phase", state.get("status").asText()));
        }
        out.add(field("virt-v2v", virtV2vLine(state)));
        JsonNode disks = state.path("disks");
        if (disks.isArray()) {
            int count = state.path("disk_count").asInt(disks.size());
            out.add(field("Disks", disks.size() == count ? Integer.toString(count)
                    : disks.size() + " listed, " + count + " to copy"));
            for (int i = 0; i < disks.size(); i++) {
                out.addAll(diskLines(i + 1, disks.get(i), nowEpochSeconds));
            }
        }
        JsonNode throttling = state.path("throttling");
        if (throttling.isObject() && throttling.size() > 0) {
            out.add(field("Throttling", throttlingLine(throttling)));
        }
        if (state.hasNonNull("vm_id")) {
            out.add(field("VM id", state.get("vm_id").asText()));
        }
        JsonNode last = state.path("last_message");
        if (last.isObject() && last.hasNonNull("message")) {
            out.add(field("Last message", "(" + last.path("type").asText("info") + ") " + last.get("message").asText()));
        }
        JsonNode warnings = state.path("warnings");
        if (warnings.isArray() && warnings.size() > 0) {
            out.add(field("Warnings", Integer.toString(warnings.size())));
            for (JsonNode w : warnings) {
                out.add("  - " + messageOf(w));
            }
        }
        return String.join("\n", out) + "\n";
    }

    /**
     * One line for appending to a log or pipe ({@code status --watch} when stdout is not a terminal): the phase and
     * each disk's progress.
     */
    public static String line(JsonNode state) {
        StringBuilder b = new StringBuilder(resultLine(state));
        if (state.hasNonNull("status") && !state.path("finished").asBoolean(false)) {
            b.append(" | ").append(state.get("status").asText());
        }
        JsonNode disks = state.path("disks");
        for (int i = 0; i < disks.size(); i++) {
            b.append(i == 0 ? " | " : ", ").append("disk ").append(i + 1).append(' ')
                    .append(percent(disks.get(i).path("progress").asDouble(0)));
        }
        JsonNode throttling = state.path("throttling");
        if (throttling.isObject() && throttling.size() > 0) {
            b.append(" | throttling ").append(throttlingLine(throttling));
        }
        return b.toString();
    }

    private static String resultLine(JsonNode state) {
        return switch (result(state)) {
            case "converted" -> "converted" + (state.hasNonNull("vm_id") ? " (VM " + state.get("vm_id").asText() + ")" : "");
            case "failed" -> "failed" + (state.path("last_message").hasNonNull("message")
                    ? ": " + state.path("last_message").get("message").asText() : "");
            default -> state.path("failed").asBoolean(false) ? "failing (cleaning up)" : "running";
        };
    }

    private static String virtV2vLine(JsonNode state) {
        if (state.hasNonNull("return_code")) {
            return "exited with " + state.get("return_code").asInt()
                    + (state.hasNonNull("pid") ? " (pid " + state.get("pid").asLong() + ")" : "");
        }
        if (state.path("started").asBoolean(false)) {
            return "running" + (state.hasNonNull("pid") ? ", pid " + state.get("pid").asLong() : "");
        }
        return "not started";
    }

    private static List<String> diskLines(int number, JsonNode disk, double now) {
        List<String> lines = new ArrayList<>();
        double progress = Math.max(0, Math.min(100, disk.path("progress").asDouble(0)));
        StringBuilder head = new StringBuilder("  ").append(number).append(' ').append(bar(progress)).append(' ')
                .append(String.format(Locale.ROOT, "%6s", percent(progress))).append("  ")
                .append(disk.path("path").asText(disk.path("label").asText("?")));
        if (disk.hasNonNull("size")) {
            head.append("  ").append(bytes(disk.get("size").asDouble()));
        }
        if (disk.hasNonNull("status")) {
            head.append("  ").append(disk.get("status").asText());
        }
        lines.add(head.toString());
        JsonNode copies = disk.path("copies");
        if (copies.isArray() && copies.size() > 0) {
            JsonNode copy = copies.get(copies.size() - 1);
            lines.add("      " + copyLine(copies.size(), copy, now));
        }
        if (disk.hasNonNull("commit_progress")) {
            lines.add("      committing overlay: " + percent(disk.get("commit_progress").asDouble()));
        }
        return lines;
    }

    /** The latest copy of a two-phase disk: which one, how much of how much, and at what rate. */
    private static String copyLine(int number, JsonNode copy, double now) {
        StringBuilder b = new StringBuilder("copy #").append(number);
        if (copy.hasNonNull("status")) {
            b.append(" ").append(copy.get("status").asText());
        }
        if (copy.hasNonNull("copied") || copy.hasNonNull("to_copy")) {
            b.append(": ").append(bytes(copy.path("copied").asDouble(0)));
            if (copy.hasNonNull("to_copy")) {
                b.append(" of ").append(bytes(copy.get("to_copy").asDouble()));
            }
        }
        if (copy.hasNonNull("start_time") && copy.hasNonNull("copied")) {
            double end = copy.hasNonNull("end_time") ? copy.get("end_time").asDouble() : now;
            double seconds = end - copy.get("start_time").asDouble();
            if (seconds > 0) {
                b.append(" at ").append(bytes(copy.get("copied").asDouble() / seconds)).append("/s");
            }
        }
        if (copy.path("error").asBoolean(false)) {
            b.append(" (failed)");
        }
        return b.toString();
    }

    private static String throttlingLine(JsonNode throttling) {
        List<String> parts = new ArrayList<>();
        throttling.fields().forEachRemaining(e -> {
            String value = e.getValue().asText();
            if (e.getKey().equals("network") && value.matches("\\d+")) {
                value = bytes(Double.parseDouble(value)) + "/s";
            }
            parts.add(e.getKey() + " " + value);
        });
        return String.join(", ", parts);
    }

    private static String messageOf(JsonNode w) {
        return w.isObject() && w.hasNonNull("message") ? w.get("message").asText() : w.asText();
    }

    static String bar(double progress) {
        int filled = (int) Math.round(progress / 100.0 * BAR_WIDTH);
        return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "]";
    }

    static String percent(double progress) {
        return String.format(Locale.ROOT, "%.1f%%", progress);
    }

    /** Binary units, as virt-v2v and nbdcopy print them. */
    static String bytes(double n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = 0;
        while (n >= 1024 && u < units.length - 1) {
            n /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", n) : String.format(Locale.ROOT, "%.1f %s", n, units[u]);
    }

    private static String field(String name, String value) {
        return String.format(Locale.ROOT, "%-13s %s", name + ":", value);
    }
}
