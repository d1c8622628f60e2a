package org.v2vwrapper.throttle;

import org.v2vwrapper.throttle.limits.LimitsUpdate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LimitsWatcherTest {
    @TempDir
    Path dir;
    private final List<LimitsUpdate> updates = new CopyOnWriteArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private LimitsWatcher watcher() {
        return new LimitsWatcher(dir.resolve("limits.json"), Duration.ofMillis(100), updates::add, warnings::add);
    }

    @Test
    void readsAFileOnceItIsStableThenRemovesIt() throws Exception {
        LimitsWatcher w = watcher();
        w.pollOnce();
        Files.writeString(w.file(), "{\"cpu\": \"40%\"}");
        w.pollOnce();
        assertEquals(List.of(), updates, "read before it was seen unchanged");
        w.pollOnce();
        assertEquals(List.of(new LimitsUpdate(Optional.of(OptionalLong.of(40)), Optional.empty())), updates);
        assertFalse(Files.exists(w.file()), "the file should be removed after reading");
        w.pollOnce();
        assertEquals(1, updates.size());
    }

    @Test
    void aFileStillBeingWrittenWaits() throws Exception {
        LimitsWatcher w = watcher();
        Files.writeString(w.file(), "{\"cpu\": ");
        w.pollOnce();
        Files.writeString(w.file(), "{\"cpu\": \"70%\", \"network\": \"5\"}");
        w.pollOnce();
        assertEquals(List.of(), updates);
        assertEquals(List.of(), warnings);
        w.pollOnce();
        assertEquals(1, updates.size());
        assertEquals(List.of(), warnings);
    }

    @Test
    void malformedFilesWarnChangeNothingAndAreRemoved() throws Exception {
        LimitsWatcher w = watcher();
        Files.writeString(w.file(), "{\"cpu\": \"lots\"}");
        w.pollOnce();
        w.pollOnce();
        assertEquals(List.of(), updates);
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("cpu"), warnings.get(0));
        assertFalse(warnings.get(0).contains("lots"), warnings.get(0));
        assertFalse(Files.exists(w.file()));

        Files.write(w.file(), new byte[(int) LimitsWatcher.MAX_SIZE + 1]);
        w.pollOnce();
        w.pollOnce();
        assertEquals(2, warnings.size());
        assertFalse(Files.exists(w.file()));
    }

    @Test
    void aDirectoryInThePlaceOfTheFileIsIgnored() throws Exception {
        LimitsWatcher w = watcher();
        Files.createDirectory(w.file());
        w.pollOnce();
        w.pollOnce();
        assertEquals(List.of(), updates);
        assertTrue(Files.isDirectory(w.file()));
    }

    @Test
    void theThreadNoticesWithinFiveSecondsAndStops() throws Exception {
        LimitsWatcher w = watcher().start();
        try {
            Files.writeString(w.file(), "{\"network\": \"unlimited\"}");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (updates.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(new LimitsUpdate(Optional.empty(), Optional.of(OptionalLong.empty()))), updates);
        } finally {
            w.close();
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("limits-watcher") && t.isAlive()), "watcher thread left running");
        w.close();
    }

    @Test
    void aFailingCallbackDoesNotEndTheWatching() throws Exception {
        List<LimitsUpdate> seen = new CopyOnWriteArrayList<>();
        LimitsWatcher w = new LimitsWatcher(dir.resolve("limits.json"), Duration.ofMillis(50), u -> {
            seen.add(u);
            throw new IllegalStateException("boom");
        }, warnings::add).start();
        try {
            for (int i = 0; i < 2; i++) {
                Files.writeString(w.file(), "{\"cpu\": \"" + (10 + i) + "%\"}");
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (seen.size() <= i && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            assertEquals(2, seen.size());
        } finally {
            w.close();
        }
    }
}
