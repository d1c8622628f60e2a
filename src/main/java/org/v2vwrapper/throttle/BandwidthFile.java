package org.v2vwrapper.throttle;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * The file virt-v2v reads through {@code --bandwidth-file}: it hands it to nbdkit's rate filter as
 * {@code rate-file}, which re-reads it on each request. Its content is bits per second. Semantics of that
 * filter (nbdkit filters/rate): "0" means no limit; an empty file or a deleted one keeps the last rate, so
 * "unlimited" must be written as "0", never by removing the file. Rewritten atomically (rename) as the
 * filter's documentation asks.
 *
 * <p>Not every virt-v2v has the option (it is in 1.42 to 2.13; later releases removed it), and
 * {@code --machine-readable} does not list it: see {@link #supportedBy(String)}.
 */
public final class BandwidthFile {
    private final Path file;

    public BandwidthFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** Whether a virt-v2v's {@code --help} output offers the option. */
    public static boolean supportedBy(String virtV2vHelp) {
        return virtV2vHelp.contains("--bandwidth-file");
    }

    /** The file's content for a limit in bytes per second: bits per second, or "0" for no limit. */
    static String content(OptionalLong bytesPerSecond) {
        return (bytesPerSecond.isPresent() ? Long.toString(Math.multiplyExact(bytesPerSecond.getAsLong(), 8L)) : "0")
            + "\n";
    }

    public synchronized void write(OptionalLong bytesPerSecond) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(StandardCharsets.US_ASCII.encode(content(bytesPerSecond)));
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public void delete() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".tmp"));
        } catch (IOException e) {
            // the run directory is the caller's to clean
        }
    }
}
