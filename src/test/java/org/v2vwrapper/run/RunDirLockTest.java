package org.v2vwrapper.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunDirLockTest {
    @TempDir
    Path dir;

    @Test
    void theLockIsExclusiveAndLeavesNoFileBehind() throws Exception {
        Optional<RunDirLock> first = RunDirLock.tryAcquire(dir);
        assertTrue(first.isPresent());
        assertTrue(anotherProcessFailsToLock(), "another process got the lock");
        first.get().close();
        assertFalse(Files.exists(dir.resolve(RunDirLock.FILE_NAME)));
        Optional<RunDirLock> again = RunDirLock.tryAcquire(dir);
        assertTrue(again.isPresent());
        again.get().close();
    }

    /**
     * The race of issue 17: a taker opens the lock file, its owner removes it and lets go, and the taker then
     * locks the unlinked inode. It must notice and lock the file that the path names, so that a third taker
     * (here another process) cannot get the directory too.
     */
    @Test
    void aTakerThatLockedAnUnlinkedFileTakesTheOneAtThePath() throws Exception {
        RunDirLock owner = RunDirLock.tryAcquire(dir).orElseThrow();
        boolean[] ownerGone = {false};
        Optional<RunDirLock> taker = RunDirLock.tryAcquire(dir, () -> {
            if (!ownerGone[0]) {
                ownerGone[0] = true;
                try {
                    owner.close(); // removes the file the taker has just opened
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertTrue(taker.isPresent(), "the taker gets the lock once the owner is gone");
        assertTrue(Files.exists(dir.resolve(RunDirLock.FILE_NAME)), "the taker holds a file at the path");
        assertTrue(anotherProcessFailsToLock(), "a third process locked the path: two owners");
        taker.get().close();
    }

    /** Four JVMs take and release the lock as fast as they can; never may two hold it at once. */
    @Test
    void racingProcessesNeverOwnTheDirectoryTogether() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> racers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            racers.add(new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), RunDirLockRacer.class.getName(), dir.toString(), "2000")
                    .redirectErrorStream(true).start());
        }
        Thread.sleep(300);
        Files.createFile(dir.resolve("go"));
        int acquired = 0;
        Pattern line = Pattern.compile("acquired=(\\d+) doubles=(\\d+)");
        for (Process p : racers) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a racer did not finish");
            String out = new String(p.getInputStream().readAllBytes());
            Matcher m = line.matcher(out);
            assertTrue(m.find(), "racer output: " + out);
            assertEquals("0", m.group(2), "times a racer found the directory owned by another: " + out);
            acquired += Integer.parseInt(m.group(1));
        }
        assertTrue(acquired > 0, "nobody ever got the lock");
        Files.delete(dir.resolve("go"));
        assertFalse(Files.exists(dir.resolve(RunDirLock.FILE_NAME)), "lock file left behind");
    }

    /**
     * A second channel in this JVM would throw OverlappingFileLockException; another process is what matters,
     * so ask one: a POSIX lock (what FileChannel.lock takes) on the file at the path must fail.
     */
    private boolean anotherProcessFailsToLock() throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import fcntl,sys; fcntl.lockf(open(sys.argv[1], 'a'), fcntl.LOCK_EX | fcntl.LOCK_NB)",
                dir.resolve(RunDirLock.FILE_NAME).toString()).start();
        return p.waitFor() != 0;
    }
}
