package org.v2vwrapper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real launcher ({@code scripts/v2v-wrapper}) started as a caller starts it: request on stdin, run and log
 * directories of a test, the fake virt-v2v by default. Keeps stdout and stderr in files for assertions.
 */
public final class WrapperRun {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public final Path dir;
    public final Path runDir;
    public final Path logDir;
    public final Path record;
    public final Path children;
    private final Map<String, String> env = new HashMap<>();
    private final List<String> extraArgs = new ArrayList<>();
    private Path virtV2v = ProjectPaths.fakeVirtV2v();
    private Path launcher = ProjectPaths.launcher();
    private Process process;
    private Path stdout;
    private Path stderr;

    public WrapperRun(Path dir) throws IOException {
        this.dir = dir;
        this.runDir = Files.createDirectories(dir.resolve("run"));
        this.logDir = Files.createDirectories(dir.resolve("log"));
        this.record = dir.resolve("fake-record.json");
        this.children = dir.resolve("fake-children.txt");
    }

    public WrapperRun scenario(Scenario s) throws IOException {
        env.put("FAKE_V2V_SCENARIO", s.writeTo(dir.resolve("scenario.txt")).toString());
        return this;
    }

    public WrapperRun env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public WrapperRun virtV2v(Path path) {
        this.virtV2v = path;
        return this;
    }

    /** Another build's launcher (benchmarks compare builds in one run). */
    public WrapperRun launcher(Path path) {
        this.launcher = path;
        return this;
    }

    public WrapperRun arg(String arg) {
        extraArgs.add(arg);
        return this;
    }

    public WrapperRun start(String requestJson) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(),
                "--virt-v2v=" + virtV2v, "--run-dir=" + runDir, "--log-dir=" + logDir));
        cmd.addAll(extraArgs);
        Path input = dir.resolve("stdin-" + System.nanoTime() + ".json");
        Files.writeString(input, requestJson);
        stdout = dir.resolve("stdout-" + System.nanoTime() + ".txt");
        stderr = dir.resolve("stderr-" + System.nanoTime() + ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(input.toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        pb.environment().put("FAKE_V2V_RECORD", record.toString());
        pb.environment().put("FAKE_V2V_CHILDREN", children.toString());
        pb.environment().putAll(env);
        process = pb.start();
        // The request file is test data with secrets in it: gone as soon as the launcher has it open (the child's
        // stdin was opened by start()).
        Files.deleteIfExists(input);
        return this;
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for the wrapper to exit and returns its exit code. */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("wrapper did not exit within " + seconds + " s; stderr: " + stderr());
        }
        return process.exitValue();
    }

    public String stdout() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    public String stderr() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    public Path stateFile() {
        return runDir.resolve("state.json");
    }

    public JsonNode state() throws IOException {
        JsonNode state = MAPPER.readTree(stateFile().toFile());
        // Every state an end-to-end test looks at must match docs/schema/state.schema.json.
        org.v2vwrapper.schema.StateSchema.assertValid(state);
        return state;
    }

    /** What the fake virt-v2v was given (argv, environment, secret files). */
    public JsonNode recorded() throws IOException {
        return MAPPER.readTree(record.toFile());
    }

    /** Waits until the state file satisfies {@code condition}. */
    public JsonNode awaitState(java.util.function.Predicate<JsonNode> condition, long seconds)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(stateFile())) {
                try {
                    JsonNode s = state();
                    if (condition.test(s)) {
                        return s;
                    }
                } catch (IOException e) {
                    throw new AssertionError("state file is not valid JSON", e);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("state never matched within " + seconds + " s; last: "
                + (Files.exists(stateFile()) ? Files.readString(stateFile()) : "(none)") + "; stderr: " + stderr());
    }

    /** Every file below the run's directories, for "nothing left behind" and "no secret anywhere" checks. */
    public List<Path> filesUnder(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

}
