package org.v2vwrapper.run;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One contender of {@link RunDirLockTest}'s race, run as its own JVM (locks are per process): takes the run
 * directory's lock as often as it can and, while holding it, claims an {@code owner} marker with an exclusive
 * create. Finding the marker already there means a second process believed it owned the directory.
 * Prints {@code acquired=N doubles=M}.
 */
public final class RunDirLockRacer {
    private RunDirLockRacer() {
    }

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]);
        int iterations = Integer.parseInt(args[1]);
        Path marker = runDir.resolve("owner");
        Path go = runDir.resolve("go");
        while (!Files.exists(go)) {
            Thread.onSpinWait();
        }
        int acquired = 0;
        int doubles = 0;
        for (int i = 0; i < iterations; i++) {
            Optional<RunDirLock> lock = RunDirLock.tryAcquire(runDir);
            if (lock.isEmpty()) {
                continue;
            }
            try (RunDirLock held = lock.get()) {
                acquired++;
                try {
                    Files.createFile(marker);
                } catch (FileAlreadyExistsException e) {
                    doubles++;
                    continue;
                }
                Thread.yield();
                Files.delete(marker);
            }
        }
        System.out.println("acquired=" + acquired + " doubles=" + doubles);
    }
}
