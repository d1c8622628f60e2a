package org.v2vwrapper.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunDirLockTest {
    @TempDir
    Path dir;

    @Test
    void theLockIsExclusiveAndLeavesNoFileBehind() throws Exception {
        Optional<RunDirLock> first = RunDirLock.tryAcquire(dir);
        assertTrue(first.isPresent());
        // A second channel in the same JVM would throw OverlappingFileLockException; another process is
        // what matters, so ask one: a POSIX lock (what FileChannel.lock takes) on the same file must fail.
        Process p = new ProcessBuilder("python3", "-c",
                "import fcntl,sys; fcntl.lockf(open(sys.argv[1], 'a'), fcntl.LOCK_EX | fcntl.LOCK_NB)",
                dir.resolve(RunDirLock.FILE_NAME).toString()).start();
        assertTrue(p.waitFor() != 0, "another process got the lock");
        first.get().close();
        assertFalse(Files.exists(dir.resolve(RunDirLock.FILE_NAME)));
        Optional<RunDirLock> again = RunDirLock.tryAcquire(dir);
        assertTrue(again.isPresent());
        again.get().close();
    }
}
