package org.v2vwrapper.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.request.RequestFixtures;
import org.v2vwrapper.text.Printable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzed requests ({@link FuzzedRequests}) through the real command line, in-process (issue 17). Whatever the
 * wrapper makes of one: exit 1, exactly one stderr line with no raw control or format character and no stack trace, no secret of the
 * request in stdout, stderr, the state file or the wrapper log, a final state file, and nothing else left in the
 * run directory. A request the parser accepts fails at the virt-v2v check ({@code --virt-v2v} does not exist),
 * before anything remote.
 *
 * <p>{@code -Dfuzz.count=N} (default 500, about 5 s of CPU) and {@code -Dfuzz.seed=S} (default 17) for the torture suite.
 */
class FuzzRequestsTest {
    private static final int COUNT = Integer.getInteger("fuzz.count", 500);
    private static final long SEED = Long.getLong("fuzz.seed", 17L);

    @TempDir
    Path tmp;

    @Test
    void everyFuzzedRequestEndsCleanlyWithOneSafeLineAndNoSecret() throws IOException {
        // The state file is fsync'ed at every write: on tmpfs that costs nothing, which is what a fuzz run wants.
        Path shm = Path.of("/dev/shm");
        Path work = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "fuzz-") : tmp;
        try {
            fuzz(work);
        } finally {
            deleteTree(work);
        }
    }

    private void fuzz(Path work) throws IOException {
        long start = System.nanoTime();
        FuzzedRequests requests = new FuzzedRequests(SEED);
        int refusedAtParse = 0;
        for (int i = 0; i < COUNT; i++) {
            FuzzedRequests.Fuzzed f = requests.next();
            if (checkOne(work, i, f.input(), f.what())) {
                refusedAtParse++;
            }
        }
        System.out.printf("fuzz: %d requests (seed %d), %d refused as invalid, %d failed at the virt-v2v check, "
                + "%d s%n", COUNT, SEED, refusedAtParse, COUNT - refusedAtParse, (System.nanoTime() - start) / 1_000_000_000L);
        assertTrue(refusedAtParse > COUNT / 2, "the mutations should mostly make invalid requests: " + refusedAtParse);
    }

    /** Runs one request and checks everything; true if it was refused as an invalid request. */
    private boolean checkOne(Path work, int i, byte[] input, String what) throws IOException {
        Path runDir = work.resolve("run");
        // A new log path each time: logback refuses to reopen a file an earlier appender of the context used.
        Path logDir = work.resolve("log-" + i);
        InProcess.Result r = InProcess.run(input, "--run-dir=" + runDir, "--log-dir=" + logDir,
                "--virt-v2v=/nonexistent/virt-v2v");
        String context = "#" + i + " (" + what + "): stderr=" + Printable.escape(r.stderr());
        try {
            assertEquals(1, r.exitCode(), context);
            List<String> errLines = r.stderr().lines().toList();
            assertEquals(1, errLines.size(), context);
            assertTrue(r.stderr().endsWith("\n") && !r.stderr().contains("\r"), context);
            assertTrue(Printable.isPrintable(errLines.get(0)), context);
            assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), context);
            boolean invalid = errLines.get(0).startsWith("v2v-wrapper: invalid request: ");
            if (invalid) {
                assertEquals("", r.stdout(), context);
            }
            assertNoSecret("stdout", r.stdout(), context);
            assertNoSecret("stderr", r.stderr(), context);

            Path stateFile = runDir.resolve("state.json");
            String stateText = Files.readString(stateFile);
            assertNoSecret("state file", stateText, context);
            JsonNode state = RequestFixtures.JSON.readTree(stateText);
            assertTrue(state.path("finished").asBoolean() && state.path("failed").asBoolean(), context + " " + state);
            assertTrue(Printable.isPrintable(state.path("last_message").path("message").asText()), context);

            assertTrue(Files.exists(logDir.resolve("virt-v2v-wrapper.log")), context + " no wrapper log; stdout=" + r.stdout());
            String log = Files.readString(logDir.resolve("virt-v2v-wrapper.log"));
            assertNoSecret("wrapper log", log, context);
            for (String line : log.split("\n", -1)) {
                assertTrue(Printable.isPrintable(line.replace("\t", " ")), context + " log line: "
                        + Printable.escape(line));
            }
            try (Stream<Path> left = Files.list(runDir)) {
                assertEquals(List.of("state.json"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                        context + " left in the run directory");
            }
            return invalid;
        } finally {
            deleteTree(runDir);
            deleteTree(logDir);
        }
    }

    private static void assertNoSecret(String where, String text, String context) {
        if (FuzzedRequests.holdsSecret(text)) {
            fail(where + " holds a secret: " + context + "\n" + Printable.escape(text));
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
