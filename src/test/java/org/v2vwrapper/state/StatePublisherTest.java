package org.v2vwrapper.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatePublisherTest {
    @TempDir
    Path dir;


    @Test
    void stateFileIsReplacedWholeWithMode0644AndNoTempLeft() throws Exception {
        StateFile f = new StateFile(dir.resolve("state.json"));
        f.write(Map.of("started", true));
        f.write(Map.of("started", true, "finished", true));
        JsonNode n = new ObjectMapper().readTree(dir.resolve("state.json").toFile());
        assertTrue(n.get("finished").asBoolean());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state.json"))));
        try (var list = Files.list(dir)) {
            assertEquals(List.of("state.json"), list.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void phaseChangesAreWrittenAtOnceAndProgressAtMostAboutOncePerSecond() throws Exception {
        ConversionState state = new ConversionState();
        StateFileProbe file = new StateFileProbe(dir.resolve("state.json"));
        StatePublisher publisher = new StatePublisher(state, file).start();
        state.beginDisk(0, 1);
        state.currentDiskPath("[ds] a.vmdk");
        // The phase change reaches the file without waiting for the progress interval.
        file.awaitContent(s -> s.contains("[ds] a.vmdk"), 2_000);

        int before = file.writes();
        long t0 = System.nanoTime();
        for (int i = 1; i <= 200; i++) {
            state.currentDiskProgress(i / 2.0);
            Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int progressWrites = file.writes() - before;
        // ~1 s of progress updates every 5 ms: a handful of writes, not 200.
        assertTrue(progressWrites <= Math.ceil(seconds / (StatePublisher.PROGRESS_INTERVAL_MS / 1000.0)) + 1,
                progressWrites + " writes in " + seconds + " s");
        assertTrue(progressWrites >= 1, "progress never written");

        state.finish(false);
        publisher.close();
        assertTrue(file.lastContent().contains("\"finished\":true"));
        assertTrue(file.lastContent().contains("\"progress\":100.0"), file.lastContent());
    }

    /** Records what was written. */
    static class StateFileProbe extends StateFile {
        private final List<String> contents = new ArrayList<>();

        StateFileProbe(Path path) {
            super(path);
        }

        @Override
        public synchronized void write(Map<String, Object> content) throws java.io.IOException {
            super.write(content);
            contents.add(Files.readString(path()));
            notifyAll();
        }

        synchronized int writes() {
            return contents.size();
        }

        synchronized String lastContent() {
            return contents.get(contents.size() - 1);
        }

        synchronized void awaitContent(java.util.function.Predicate<String> p, long ms) throws InterruptedException {
            long deadline = System.currentTimeMillis() + ms;
            while (contents.isEmpty() || !p.test(lastContent())) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("never written: last " + (contents.isEmpty() ? "-" : lastContent()));
                }
                wait(left);
            }
        }
    }
}
