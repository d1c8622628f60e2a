package org.v2vwrapper.run;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

/**
 * One conversion per run directory: an exclusive lock on {@code <run-dir>/lock}, held for the whole run and
 * released by the kernel if the process dies. The file is removed at the end (while still locked) so the run
 * directory keeps only the state file.
 *
 * <p>Removing a lock file is only safe because every taker checks, once it holds the lock, that the file it
 * locked is still the one the path names (same inode): a wrapper that opened the file just before its owner
 * removed it would otherwise lock the unlinked inode while a third wrapper locks a new file under the same
 * name, and both would run. A taker that finds its inode unlinked or replaced lets go and tries again.
 *
 * <p>The check finds the locked file's inode through {@code /proc/self/fd} (a {@code stat}, never an
 * {@code open}: closing any descriptor of a locked file would drop this process's POSIX lock on it). Without
 * {@code /proc} the check cannot be made, and the lock file is then left in place rather than removed.
 */
public final class RunDirLock implements AutoCloseable {
    public static final String FILE_NAME = "lock";
    private static final Path PROC_FDS = Path.of("/proc/self/fd");
    /** Each retry follows an owner that let go; a path replaced this often is being tampered with. */
    private static final int MAX_ATTEMPTS = 1000;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean verified;

    private RunDirLock(Path path, FileChannel channel, FileLock lock, boolean verified) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.verified = verified;
    }

    /** The lock, or empty when another live process holds it. */
    public static Optional<RunDirLock> tryAcquire(Path runDir) throws IOException {
        return tryAcquire(runDir, () -> { });
    }

    /** {@code afterOpen} runs between opening the file and locking it: the window of the race, for tests. */
    static Optional<RunDirLock> tryAcquire(Path runDir, Runnable afterOpen) throws IOException {
        Files.createDirectories(runDir);
        Path path = runDir.resolve(FILE_NAME);
        boolean canVerify = Files.isDirectory(PROC_FDS);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                afterOpen.run();
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // this JVM holds it already (tests run several wrappers in one JVM)
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                ch.close();
                return Optional.empty();
            }
            if (!canVerify || locksTheFileAtPath(path)) {
                return Optional.of(new RunDirLock(path, ch, lock, canVerify));
            }
            // The previous owner removed the file between our open and our lock: let go of the orphan, retry.
            lock.release();
            ch.close();
        }
        throw new IOException("cannot lock " + path + ": the lock file keeps being replaced");
    }

    /**
     * Whether the inode {@code path} names now is one this process has open. A wrapper opens its run
     * directory's lock file only here and holds one lock per run directory, so that is the file just locked.
     */
    private static boolean locksTheFileAtPath(Path path) throws IOException {
        Object atPath;
        try {
            atPath = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException removed) {
            return false;
        }
        if (atPath == null) {
            return true; // no inode identity on this file system: nothing to compare
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(PROC_FDS)) {
            for (Path fd : fds) {
                try {
                    // stat through the magic link: the open file's inode, even once unlinked.
                    Object key = Files.readAttributes(fd, BasicFileAttributes.class).fileKey();
                    if (Objects.equals(key, atPath)) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // another thread's descriptor, gone already
                }
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        // Deleted while still held; a taker that opened it just before re-checks after locking (see above).
        if (verified) {
            Files.deleteIfExists(path);
        }
        lock.release();
        channel.close();
    }
}
