package org.v2vwrapper.run;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One conversion per run directory: an exclusive lock on {@code <run-dir>/lock}, held for the whole run and
 * released by the kernel if the process dies. The file is removed at the end so the run directory keeps only
 * the state file.
 */
public final class RunDirLock implements AutoCloseable {
    public static final String FILE_NAME = "lock";

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private RunDirLock(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or empty when another live process holds it. */
    public static java.util.Optional<RunDirLock> tryAcquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path path = runDir.resolve(FILE_NAME);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new RunDirLock(path, ch, lock));
    }

    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        // Delete while still holding the lock, so a waiting wrapper never locks a file we are about to remove.
        Files.deleteIfExists(path);
        lock.release();
        channel.close();
    }
}
