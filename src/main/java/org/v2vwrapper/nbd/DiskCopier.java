package org.v2vwrapper.nbd;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies an NBD export, or some extents of it, to a local file or block device.
 *
 * <p>For each requested extent it asks block status: ranges the server reports as zero are zeroed locally
 * (see {@link Destination}) without reading them; data ranges are read in requestSize pieces with up to
 * requestsInFlight requests outstanding, spread over the client's connections. Each reply is written with a
 * positional write on the connection's reader thread, so there are as many writers as connections and no
 * hand-off between threads. A fixed pool of direct buffers bounds memory and the number in flight.
 */
public final class DiskCopier {
    private static final Logger LOG = LoggerFactory.getLogger(DiskCopier.class);

    private final NbdClient client;
    private final CopyOptions options;
    private final CopyProgress progress;

    public DiskCopier(NbdClient client, CopyOptions options, CopyProgress progress) {
        this.client = client;
        this.options = options;
        this.progress = progress;
    }

    /** Copies the whole export. A regular-file destination is recreated as a sparse file. */
    public CopyResult copyAll(Path destination) throws IOException {
        return copy(List.of(new Extent(0, client.export().size())), destination, true);
    }

    /** Copies only these extents; every other byte of the destination stays as it was. */
    public CopyResult copyExtents(List<Extent> extents, Path destination) throws IOException {
        return copy(extents, destination, false);
    }

    private CopyResult copy(List<Extent> requested, Path destinationPath, boolean wholeDisk) throws IOException {
        ExportInfo export = client.export();
        List<Extent> extents = Extent.normalize(requested);
        for (Extent extent : extents) {
            if (extent.end() > export.size()) {
                throw new IllegalArgumentException("extent offset=" + extent.offset() + " length=" + extent.length()
                    + " lies beyond the end of export \"" + export.name() + "\" (" + export.size() + " bytes)");
            }
        }
        long started = System.nanoTime();
        long toCopy = Extent.totalLength(extents);
        LOG.info("copying {} bytes in {} extent(s) of export \"{}\" to {}", toCopy, extents.size(), export.name(),
            destinationPath);
        try (Destination destination = Destination.open(destinationPath, export.size(), wholeDisk)) {
            Run run = new Run(destination, toCopy);
            run.copy(extents);
            destination.verifySize(export.size());
            if (options.flush()) {
                destination.flush();
            }
            progress.update(toCopy, toCopy);
            CopyResult result = new CopyResult(toCopy, run.dataBytes.get(), run.zeroBytes,
                Duration.ofNanos(System.nanoTime() - started));
            LOG.info("copied export \"{}\": {}", export.name(), result);
            return result;
        }
    }

    /** The state of one copy. */
    private final class Run {
        private final Destination destination;
        private final long toCopy;
        private final int requestSize;
        private final Queue<ByteBuffer> freeBuffers = new ConcurrentLinkedQueue<>();
        private final Semaphore slots;
        private final AtomicReference<IOException> firstFailure = new AtomicReference<>();
        private final AtomicLong done = new AtomicLong();
        private final AtomicLong dataBytes = new AtomicLong();
        private long zeroBytes;

        Run(Destination destination, long toCopy) {
            this.destination = destination;
            this.toCopy = toCopy;
            this.requestSize = Math.min(options.requestSize(), client.export().maximumPayload());
            this.slots = new Semaphore(options.requestsInFlight());
            for (int i = 0; i < options.requestsInFlight(); i++) {
                // Direct buffers: the socket reads into them and the file writes from them without extra copies.
                freeBuffers.add(ByteBuffer.allocateDirect(requestSize));
            }
        }

        void copy(List<Extent> extents) throws IOException {
            try {
                for (Extent extent : extents) {
                    copyExtent(extent);
                }
            } finally {
                awaitAllRequests();
            }
            IOException failure = firstFailure.get();
            if (failure != null) {
                throw failure;
            }
        }

        private void copyExtent(Extent extent) throws IOException {
            long position = extent.offset();
            while (position < extent.end()) {
                throwIfFailed();
                for (BlockStatus status : NbdClient.await(
                    client.connections().get(0).blockStatus(position, extent.end() - position))) {
                    if (status.readsAsZero()) {
                        destination.zero(status.offset(), status.length());
                        zeroBytes += status.length();
                        report(status.length());
                    } else {
                        readAndWrite(status.offset(), status.length());
                    }
                    position = status.end();
                }
            }
        }

        private void readAndWrite(long offset, long length) throws IOException {
            long position = offset;
            long end = offset + length;
            while (position < end) {
                int count = (int) Math.min(requestSize, end - position);
                ByteBuffer buffer = takeBuffer();
                buffer.clear().limit(count);
                long at = position;
                client.leastBusy().read(at, buffer).whenComplete((ignored, error) -> written(buffer, at, error));
                position += count;
            }
        }

        /** On the reader thread that completed the read. */
        private void written(ByteBuffer buffer, long offset, Throwable readError) {
            try {
                if (readError != null) {
                    fail(NbdClient.unwrap(readError));
                } else if (firstFailure.get() == null) {
                    int count = buffer.remaining();
                    destination.write(buffer, offset);
                    dataBytes.addAndGet(count);
                    report(count);
                }
            } catch (IOException e) {
                fail(new IOException("writing at offset " + offset + " failed: " + NbdConnection.describe(e), e));
            } finally {
                freeBuffers.add(buffer);
                slots.release();
            }
        }

        private void report(long bytes) {
            progress.update(done.addAndGet(bytes), toCopy);
        }

        private void fail(IOException e) {
            if (firstFailure.compareAndSet(null, e)) {
                LOG.debug("copy failed: {}", e.getMessage());
            }
        }

        private void throwIfFailed() throws IOException {
            IOException failure = firstFailure.get();
            if (failure != null) {
                throw failure;
            }
        }

        /** Waits for a free request slot; its buffer is then always there. */
        private ByteBuffer takeBuffer() throws IOException {
            try {
                while (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    throwIfFailed();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("copy interrupted");
            }
            return freeBuffers.poll();
        }

        private void awaitAllRequests() throws InterruptedIOException {
            // Each outstanding request holds a slot and has a timeout, so this ends.
            try {
                slots.acquire(options.requestsInFlight());
                slots.release(options.requestsInFlight());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("copy interrupted");
            }
        }
    }
}
