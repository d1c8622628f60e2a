package org.v2vwrapper.torture;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.cli.FuzzedRequests;
import org.v2vwrapper.e2e.WrapperRun;
import org.v2vwrapper.text.Printable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17 item 7, the fuzz sample through the real launcher ({@code scripts/v2v-wrapper}, a JVM per request):
 * the in-process fuzzer's requests ({@link FuzzedRequests}); every one ends with exit 1 (invalid, or refused at
 * the virt-v2v check since {@code --virt-v2v} does not exist), exactly one printable stderr line with no stack
 * trace, no secret of the request in stdout, stderr, the state file or the log directory, a final state file, and
 * nothing in the run directory but {@code state.json} (docs/cli.md: the run lock and the secrets directory are
 * the run's own and go with it); the log directory holds only the wrapper log. {@code -Dfuzz.launcher.count}
 * (default 25, the CI short form; the torture figure is 100) and {@code -Dfuzz.launcher.seed} (default 23).
 */
class FuzzLauncherIT {
    @TempDir
    Path tmp;

    @Test
    void fuzzedRequestsThroughTheLauncherEndWithOneSafeLineAndNoSecretLeft() throws Exception {
        int count = Integer.getInteger("fuzz.launcher.count", 25);
        long seed = Long.getLong("fuzz.launcher.seed", 23L);
        FuzzedRequests requests = new FuzzedRequests(seed);
        long t0 = System.nanoTime();
        int invalid = 0;
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            FuzzedRequests.Fuzzed f = requests.next();
            Path dir = tmp.resolve("f" + i);
            WrapperRun run = new WrapperRun(dir).virtV2v(Path.of("/nonexistent/virt-v2v"));
            run.start(new String(f.input(), StandardCharsets.UTF_8));
            int rc = run.waitFor(120);
            List<String> p = check(run, rc);
            if (run.stderr().startsWith("v2v-wrapper: invalid request: ")) {
                invalid++;
            }
            if (!p.isEmpty()) {
                problems.add("#" + i + " (" + f.what() + "): " + p);
            }
            delete(dir);
        }
        System.out.printf("fuzz through the launcher: %d requests (seed %d), %d invalid, %d refused at the virt-v2v"
                + " check, %d with problems, %.1f s%n", count, seed, invalid, count - invalid, problems.size(),
                (System.nanoTime() - t0) / 1e9);
        assertEquals(List.of(), problems);
        assertTrue(invalid > count / 2, "the mutations should mostly make invalid requests: " + invalid);
    }

    private static List<String> check(WrapperRun run, int rc) throws Exception {
        List<String> p = new ArrayList<>();
        String err = run.stderr();
        if (rc != 1) {
            p.add("exit " + rc);
        }
        List<String> lines = err.lines().toList();
        if (lines.size() != 1 || !err.endsWith("\n") || err.contains("\r")) {
            p.add("stderr is not one line: " + Printable.escape(err));
        } else if (!Printable.isPrintable(lines.get(0))) {
            p.add("stderr has a control or format character: " + Printable.escape(err));
        }
        if (err.contains("Exception") || err.contains("\tat ")) {
            p.add("a stack trace or exception on stderr: " + Printable.escape(err));
        }
        String out = run.stdout();
        if (FuzzedRequests.holdsSecret(out) || FuzzedRequests.holdsSecret(err)) {
            p.add("a secret on stdout or stderr");
        }
        if (!Files.exists(run.stateFile())) {
            p.add("no state file");
        } else {
            String text = Files.readString(run.stateFile(), StandardCharsets.UTF_8);
            JsonNode s = run.state();
            if (!s.path("finished").asBoolean() || !s.path("failed").asBoolean()) {
                p.add("state not finished and failed: " + s);
            }
            if (FuzzedRequests.holdsSecret(text)) {
                p.add("a secret in the state file");
            }
        }
        try (Stream<Path> files = Files.list(run.runDir)) {
            List<String> left = files.map(x -> x.getFileName().toString()).filter(n -> !n.equals("state.json")).toList();
            if (!left.isEmpty()) {
                p.add("left in the run directory: " + left);
            }
        }
        try (Stream<Path> files = Files.list(run.logDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.startsWith("virt-v2v-wrapper")) {
                    p.add("in the log directory: " + name);
                }
                if (Files.isRegularFile(f) && FuzzedRequests.holdsSecret(
                        Files.readString(f, StandardCharsets.ISO_8859_1))) {
                    p.add("a secret in " + name);
                }
            }
        }
        return p;
    }

    private static void delete(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
