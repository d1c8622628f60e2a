package org.v2vwrapper.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A script for the fake virt-v2v: what it prints on which stream, when, and how it exits. */
public final class Scenario {
    private static final Pattern PHASE = Pattern.compile("^\\[\\s*(\\d+\\.\\d)\\] (.*)$");

    private final List<String> lines = new ArrayList<>();

    public Scenario out(String text) {
        return add("out " + text);
    }

    public Scenario err(String text) {
        return add("err " + text);
    }

    /** A progress bar frame as nbdcopy prints it: no newline, a carriage return. */
    public Scenario errCr(String text) {
        return add("errcr " + text);
    }

    public Scenario mr(String json) {
        return add("mr " + json);
    }

    public Scenario sleep(double seconds) {
        return add(String.format(Locale.ROOT, "sleep %.3f", seconds));
    }

    public Scenario child() {
        return add("child");
    }

    public Scenario exit(int code) {
        return add("exit " + code);
    }

    /** A raw scenario command (see the fake's header). */
    public Scenario add(String line) {
        if (line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("one line per command");
        }
        lines.add(line);
        return this;
    }

    public Path writeTo(Path file) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** nbdcopy's bar for {@code percent}, as virt-v2v 2.2 shows it (40 columns). */
    public static String progressBar(int percent) {
        int stars = percent * 40 / 100;
        return "\u2588 " + String.format(Locale.ROOT, "%3d", percent) + "% [" + "*".repeat(stars)
                + "-".repeat(40 - stars) + "]";
    }

    /**
     * Replays a captured virt-v2v 2.2 run from {@code shared/fixtures/virt-v2v/2.2/NAME.*}: the phase lines of
     * stdout at their recorded times divided by {@code speedup}, the machine-readable records with them, the
     * verbose stderr before the copy, nbdcopy's progress frames after {@code Copying disk} (spread over
     * {@code copySeconds}), and the recorded exit code.
     */
    public static Scenario fromFixture(String name, double speedup, double copySeconds) throws IOException {
        return fromFixture(name, speedup, copySeconds, java.util.Map.of());
    }

    /** As {@link #fromFixture(String, double, double)}, with text replaced (e.g. the recorded disk path). */
    public static Scenario fromFixture(String name, double speedup, double copySeconds,
                                       java.util.Map<String, String> replace) throws IOException {
        Scenario s = fromFixtureAsIs(name, speedup, copySeconds);
        s.lines.replaceAll(l -> {
            String out = l;
            for (var e : replace.entrySet()) {
                out = out.replace(e.getKey(), e.getValue());
            }
            return out;
        });
        return s;
    }

    private static Scenario fromFixtureAsIs(String name, double speedup, double copySeconds) throws IOException {
        Path dir = ProjectPaths.v2vFixtures().resolve("2.2");
        List<String> stdout = Files.readAllLines(dir.resolve(name + ".stdout"), StandardCharsets.UTF_8);
        List<String> mr = Files.exists(dir.resolve(name + ".mr.log"))
                ? Files.readAllLines(dir.resolve(name + ".mr.log"), StandardCharsets.UTF_8) : List.of();
        String stderr = Files.exists(dir.resolve(name + ".stderr"))
                ? Files.readString(dir.resolve(name + ".stderr"), StandardCharsets.ISO_8859_1) : "";
        int rc = 0;
        if (Files.exists(dir.resolve(name + ".rc"))) {
            rc = Integer.parseInt(Files.readString(dir.resolve(name + ".rc")).replaceAll("[^0-9]", ""));
        }
        // Split stderr into nbdcopy progress frames and everything else.
        List<String> noise = new ArrayList<>();
        List<String> frames = new ArrayList<>();
        for (String piece : stderr.split("(?<=[\r\n])")) {
            String text = new String(piece.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
                    .replace("\r", "").replace("\n", "");
            if (text.matches(".*\\d+% \\[[*-]+\\].*")) {
                frames.add(text);
            } else if (!text.isEmpty()) {
                noise.add(text);
            }
        }
        Scenario s = new Scenario();
        int noiseBeforeCopy = noise.size();
        double last = 0;
        int mrIndex = 0;
        for (String line : stdout) {
            Matcher m = PHASE.matcher(line);
            if (m.matches()) {
                double t = Double.parseDouble(m.group(1));
                s.sleep(Math.max(0, (t - last) / speedup));
                last = t;
                if (m.group(2).startsWith("Copying disk")) {
                    noise.subList(0, noiseBeforeCopy).forEach(s::err);
                    noiseBeforeCopy = 0;
                    s.out(line);
                    mrIndex = emitMr(s, mr, mrIndex, m.group(2));
                    for (String frame : frames) {
                        s.errCr(frame).sleep(copySeconds / Math.max(1, frames.size()));
                    }
                    continue;
                }
                s.out(line);
                mrIndex = emitMr(s, mr, mrIndex, m.group(2));
            } else if (!line.isEmpty()) {
                s.out(line);
            }
        }
        noise.subList(0, noiseBeforeCopy).forEach(s::err);
        while (mrIndex < mr.size()) {
            s.mr(mr.get(mrIndex++));
        }
        return s.exit(rc);
    }

    /** Emits the machine-readable records up to and including the one for {@code message}. */
    private static int emitMr(Scenario s, List<String> mr, int from, String message) {
        for (int i = from; i < mr.size(); i++) {
            if (mr.get(i).contains("\"message\": " + jsonQuote(message))) {
                for (int j = from; j <= i; j++) {
                    s.mr(mr.get(j));
                }
                return i + 1;
            }
        }
        return from;
    }

    private static String jsonQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
