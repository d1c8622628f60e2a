package org.v2vwrapper.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/** {@code virt-v2v-wrapper status [STATE_FILE | --run-dir DIR] [--watch]}: a state file for people. */
@Command(name = "status", exitCodeOnInvalidInput = 1,
        description = {"Shows a state file for people: phase, each disk's progress (size, rate and pre-copy where "
                + "known), throttling, the last message, warnings and the result.",
                "Without --watch: exit 0 once the file was read, 1 if it cannot be. With --watch: redraws until the "
                        + "state file says finished, then exits 0 if converted, 2 if failed."})
public final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    /** ANSI: cursor home, then clear the screen. */
    private static final String REDRAW = "\033[H\033[2J";

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(arity = "0..1", paramLabel = "STATE_FILE",
            description = "the state file (default: state.json in --run-dir)")
    Path stateFile;

    @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "${env:V2V_WRAPPER_RUN_DIR:-/var/lib/uci}",
            description = "run directory whose state.json to show (env V2V_WRAPPER_RUN_DIR; default ${DEFAULT-VALUE})")
    Path runDir;

    @Option(names = "--watch", description = "redraw until the conversion is finished (plain appended lines when "
            + "stdout is not a terminal)")
    boolean watch;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "seconds between reads with --watch (default ${DEFAULT-VALUE})")
    double intervalSeconds;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Whether to redraw in place; tests and pipes get plain lines. */
    boolean terminal = System.console() != null;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path file = stateFile != null ? stateFile : runDir.resolve("state.json");
        if (!watch) {
            try {
                out.print(StatusView.render(read(file), now()));
                out.flush();
                return 0;
            } catch (IOException e) {
                err.println("v2v-wrapper status: " + describe(file, e));
                return 1;
            }
        }
        if (intervalSeconds <= 0) {
            err.println("v2v-wrapper status: --interval must be positive");
            return 1;
        }
        String previous = null;
        while (true) {
            String shown;
            JsonNode state = null;
            try {
                state = read(file);
                shown = terminal ? StatusView.render(state, now()) : StatusView.line(state);
            } catch (IOException e) {
                // Not there yet (the wrapper may not have started) or not readable: say so and keep watching.
                shown = "waiting: " + describe(file, e);
            }
            if (!shown.equals(previous)) {
                if (terminal) {
                    out.print(REDRAW + shown);
                } else {
                    out.println(TIME.format(Instant.now()) + " " + shown);
                }
                out.flush();
                previous = shown;
            }
            if (state != null && state.path("finished").asBoolean(false)) {
                return state.path("failed").asBoolean(false) ? 2 : 0;
            }
            Thread.sleep((long) (intervalSeconds * 1000));
        }
    }

    private static JsonNode read(Path file) throws IOException {
        JsonNode node = MAPPER.readTree(Files.readAllBytes(file));
        if (node == null || !node.isObject()) {
            throw new IOException("not a JSON object");
        }
        return node;
    }

    private static String describe(Path file, IOException e) {
        String reason = e instanceof NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return "cannot read " + file + ": " + reason;
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }
}
