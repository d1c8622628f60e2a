package org.v2vwrapper.nbd;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local disk a copy writes: a regular file or a block device.
 *
 * <p>Zero ranges are made zero without writing zero buffers where possible:
 * <ul>
 *   <li>a regular file is sparse: a range at or beyond {@code knownZeroFrom} (a file we created or truncated,
 *   or that we extended) is already a hole, so nothing is written; an older range is punched with
 *   {@code fallocate --punch-hole} (Java has no fallocate);</li>
 *   <li>a block device is zeroed with {@code blkdiscard -z} (BLKZEROOUT: reads back as zeroes);</li>
 *   <li>if the helper fails, zeroes are written in large chunks from then on.</li>
 * </ul>
 */
final class Destination implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Destination.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;
    private static final Duration HELPER_TIMEOUT = Duration.ofSeconds(60);

    private final Path path;
    private final FileChannel channel;
    private final boolean blockDevice;
    private final long knownZeroFrom;
    private volatile boolean helperWorks = true;

    private Destination(Path path, FileChannel channel, boolean blockDevice, long knownZeroFrom) {
        this.path = path;
        this.channel = channel;
        this.blockDevice = blockDevice;
        this.knownZeroFrom = knownZeroFrom;
    }

    /**
     * Opens (or creates) the destination for a source of sourceSize bytes. A whole-disk copy into a regular
     * file starts from an all-holes file of the source's size (every byte is rewritten anyway); a partial copy
     * keeps the file and only extends it when it is shorter.
     */
    static Destination open(Path path, long sourceSize, boolean wholeDisk) throws IOException {
        int type = fileType(path);
        if (type == S_IFBLK) {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE);
            long size = blockDeviceSize(path, channel);
            if (size < sourceSize) {
                channel.close();
                throw new IOException("destination " + path + " (" + size + " bytes) is smaller than the source ("
                    + sourceSize + " bytes)");
            }
            return new Destination(path, channel, true, Long.MAX_VALUE);
        }
        if (type != 0 && type != S_IFREG) {
            throw new IOException("destination " + path + " is neither a regular file nor a block device");
        }
        // RandomAccessFile for setLength (ftruncate), which FileChannel can only do downwards.
        RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw");
        try {
            long existing = file.length();
            if (wholeDisk) {
                if (existing > 0) {
                    emptyKeepingSize(path, file, existing);
                }
                file.setLength(sourceSize);
                existing = 0;
            } else if (existing > sourceSize) {
                throw new IOException("destination " + path + " (" + existing + " bytes) is larger than the source ("
                    + sourceSize + " bytes)");
            }
            if (existing < sourceSize) {
                file.setLength(sourceSize); // the new part is a hole: it needs no zeroing
            }
            return new Destination(path, file.getChannel(), false, existing);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Positional write of the whole buffer (position..limit). Safe from several threads. */
    void write(ByteBuffer data, long offset) throws IOException {
        long position = offset;
        while (data.hasRemaining()) {
            position += channel.write(data, position);
        }
    }

    /** Makes [offset, offset+length) read as zeroes. */
    void zero(long offset, long length) throws IOException {
        long end = Math.min(offset + length, knownZeroFrom);
        if (offset >= end) {
            return; // already a hole
        }
        if (helperWorks) {
            List<String> command = blockDevice
                ? List.of("blkdiscard", "-z", "-o", Long.toString(offset), "-l", Long.toString(end - offset),
                    path.toString())
                : punchHoleCommand(path, offset, end - offset);
            if (runHelper(command)) {
                return;
            }
            helperWorks = false;
            LOG.warn("{} does not work on {}: writing zeroes instead", command.get(0), path);
        }
        writeZeroes(offset, end - offset);
    }

    /**
     * Makes an existing file all holes. Truncating to zero would do it too, but ext4 then flushes the whole
     * file to disk when it is closed (its auto_da_alloc heuristic for "replace by truncate"), which costs
     * as much as the copy; punching one big hole does not. Truncation is the fallback.
     */
    private static void emptyKeepingSize(Path path, RandomAccessFile file, long size) throws IOException {
        if (!runHelper(punchHoleCommand(path, 0, size))) {
            file.setLength(0);
        }
    }

    private static List<String> punchHoleCommand(Path path, long offset, long length) {
        return List.of("fallocate", "--punch-hole", "--keep-size", "--offset", Long.toString(offset),
            "--length", Long.toString(length), path.toString());
    }

    private static boolean runHelper(List<String> command) {
        try {
            ExternalCommand.Result result = ExternalCommand.run(command, HELPER_TIMEOUT);
            if (!result.succeeded()) {
                LOG.info("{} failed: {}", command.get(0), result.output());
            }
            return result.succeeded();
        } catch (IOException e) {
            LOG.info("{} failed: {}", command.get(0), e.getMessage());
            return false;
        }
    }

    private void writeZeroes(long offset, long length) throws IOException {
        long position = offset;
        long end = offset + length;
        while (position < end) {
            ByteBuffer chunk = ZeroChunk.BUFFER.duplicate();
            chunk.limit((int) Math.min(chunk.capacity(), end - position));
            write(chunk, position);
            position += chunk.limit();
        }
    }

    /**
     * Zeroes for the fallback only, made on first use: allocateDirect zero-fills, so a static buffer would cost
     * every copy 4 MiB of resident memory although the helpers almost always work.
     */
    private static final class ZeroChunk {
        static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(4 * 1024 * 1024);
    }

    /** Checks that the destination ended up with the source's size (a device may be larger). */
    void verifySize(long sourceSize) throws IOException {
        long size = blockDevice ? blockDeviceSize(path, channel) : channel.size();
        if (blockDevice ? size < sourceSize : size != sourceSize) {
            throw new IOException("destination " + path + " has " + size + " bytes after the copy, expected "
                + sourceSize);
        }
    }

    void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static int fileType(Path path) throws IOException {
        try {
            return (Integer) Files.getAttribute(path, "unix:mode") & S_IFMT;
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private static long blockDeviceSize(Path path, FileChannel channel) throws IOException {
        long size = channel.size(); // the JDK asks BLKGETSIZE64 for block devices on Linux
        if (size > 0) {
            return size;
        }
        ExternalCommand.Result result =
            ExternalCommand.run(List.of("blockdev", "--getsize64", path.toString()), HELPER_TIMEOUT);
        if (!result.succeeded()) {
            throw new IOException("cannot get the size of " + path + ": " + result.output());
        }
        return Long.parseLong(result.output().trim());
    }
}
