package org.v2vwrapper.osp2osp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;

class VolumeLockTest {
    @TempDir
    Path lockDir;

    /** Exit code of {@code flock -n FILE true} run by a separate process, as another wrapper would. */
    private static int tryFlockFromOutside(Path file) throws Exception {
        Process p = new ProcessBuilder("flock", "--nonblock", file.toString(), "true")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "flock -n hung");
        return p.exitValue();
    }

    @Test
    void excludesAnotherProcessFlockUntilClosed() throws Exception {
        Path file = lockDir.resolve(VolumeLock.SOURCE);
        try (VolumeLock lock = VolumeLock.acquire(lockDir, VolumeLock.SOURCE, Duration.ofSeconds(5))) {
            assertEquals(file, lock.file());
            assertTrue(lock.isHeld());
            assertNotEquals(0, tryFlockFromOutside(file), "another process got the lock while we held it");
        }
        assertEquals(0, tryFlockFromOutside(file), "the lock was not released by close()");
    }

    @Test
    void secondAcquireWaitsAndTimesOutWithAClearMessage() throws Exception {
        try (VolumeLock first = VolumeLock.acquire(lockDir, VolumeLock.DESTINATION, Duration.ofSeconds(5))) {
            ConversionException e = assertThrows(ConversionException.class,
                    () -> VolumeLock.acquire(lockDir, VolumeLock.DESTINATION, Duration.ofSeconds(1)));
            assertEquals("taking the lock " + lockDir.resolve(VolumeLock.DESTINATION)
                    + ": another conversion still holds it after 1 s", e.getMessage());
            assertTrue(first.isHeld());
        }
        // Released: a new acquire succeeds at once.
        try (VolumeLock again = VolumeLock.acquire(lockDir, VolumeLock.DESTINATION, Duration.ofSeconds(1))) {
            assertTrue(again.isHeld());
        }
    }

    @Test
    void waitsForAHolderThatLetsGo() throws Exception {
        VolumeLock first = VolumeLock.acquire(lockDir, VolumeLock.SOURCE, Duration.ofSeconds(5));
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            first.close();
        });
        releaser.start();
        try (VolumeLock second = VolumeLock.acquire(lockDir, VolumeLock.SOURCE, Duration.ofSeconds(30))) {
            assertTrue(second.isHeld());
            // The second got the lock the moment the first holder's flock(1) exited; the JVM may reap that
            // process a little later, so ask about the first only once its close() has returned.
            releaser.join();
            assertFalse(first.isHeld());
        } finally {
            releaser.join();
        }
    }

    @Test
    void missingLockDirectoryIsAnError() {
        ConversionException e = assertThrows(ConversionException.class,
                () -> VolumeLock.acquire(lockDir.resolve("absent"), VolumeLock.SOURCE, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().endsWith("the lock directory does not exist"), e.getMessage());
    }
}
