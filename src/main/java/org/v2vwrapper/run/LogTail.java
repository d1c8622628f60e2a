package org.v2vwrapper.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Follows a log file that a child process appends to (like {@code tail -f}) and hands new bytes to a
 * {@link LogConsumer}. virt-v2v writes straight into the file, so it never blocks on the wrapper and the log is
 * complete even if the wrapper dies; the wrapper only reads.
 */
final class LogTail {
    private final Path file;
    private final LogConsumer consumer;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
    private FileChannel channel;
    private long position;

    LogTail(Path file, LogConsumer consumer) {
        this.file = file;
        this.consumer = consumer;
    }

    /** Reads whatever was appended since the last call; returns whether anything was. */
    boolean poll() throws IOException {
        if (channel == null) {
            if (!Files.exists(file)) {
                return false;
            }
            try {
                channel = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return false;
            }
        }
        boolean any = false;
        while (true) {
            buf.clear();
            int n = channel.read(buf, position);
            if (n <= 0) {
                return any;
            }
            position += n;
            consumer.accept(buf.array(), 0, n);
            any = true;
        }
    }

    /** Reads the rest and tells the consumer the log has ended. */
    void drainAndEnd() throws IOException {
        poll();
        consumer.end();
        if (channel != null) {
            channel.close();
        }
    }
}
