package org.v2vwrapper.precopy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TriggersTest {
    @TempDir
    Path dir;

    final List<String> statuses = new CopyOnWriteArrayList<>();
    final AtomicInteger keepAlives = new AtomicInteger();
    final Triggers.Waiting waiting = new Triggers.Waiting() {
        @Override
        public void status(String status) {
            statuses.add(status);
        }

        @Override
        public void keepAlive() {
            keepAlives.incrementAndGet();
        }
    };

    @Test
    void zeroIntervalStillReadsTheTriggers() throws Exception {
        Triggers t = new Triggers(dir, Duration.ofMinutes(1));
        assertEquals(Triggers.Next.ITERATION, t.await(Duration.ZERO, () -> false, waiting));
        Files.createFile(dir.resolve("cutover"));
        assertEquals(Triggers.Next.CUTOVER, t.await(Duration.ZERO, () -> false, waiting));
        assertTrue(Files.exists(dir.resolve("cutover")), "cutover is left in place");
    }

    @Test
    void copyTriggerIsTakenAndRemoved() throws Exception {
        Triggers t = new Triggers(dir, Duration.ofMinutes(1));
        Files.createFile(dir.resolve("copy_trigger"));
        assertEquals(Triggers.Next.ITERATION, t.await(Duration.ofHours(1), () -> false, waiting));
        assertFalse(Files.exists(dir.resolve("copy_trigger")));
    }

    @Test
    void pauseHoldsEverythingUntilRemoved() throws Exception {
        Triggers t = new Triggers(dir, Duration.ofMillis(100));
        Files.createFile(dir.resolve("pause_operations"));
        Files.createFile(dir.resolve("cutover"));
        CompletableFuture<Triggers.Next> next = CompletableFuture.supplyAsync(() -> {
            try {
                return t.await(Duration.ZERO, () -> false, waiting);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(700);
        assertFalse(next.isDone(), "a paused wait ended");
        assertTrue(keepAlives.get() >= 1, "no keep-alive while paused");
        Files.delete(dir.resolve("pause_operations"));
        assertEquals(Triggers.Next.CUTOVER, next.get(5, TimeUnit.SECONDS));
        assertEquals(List.of("Waiting", "Paused", "Waiting"), statuses);
    }

    @Test
    void aStopEndsTheWait() throws Exception {
        Triggers t = new Triggers(dir, Duration.ofMinutes(1));
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Triggers.Next> next = CompletableFuture.supplyAsync(() -> {
            try {
                return t.await(Duration.ofHours(1), stop::get, waiting);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        stop.set(true);
        assertEquals(Triggers.Next.STOPPED, next.get(5, TimeUnit.SECONDS));
    }
}
