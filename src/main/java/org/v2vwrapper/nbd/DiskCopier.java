package org.v2vwrapper.nbd;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * Each data read first waits for {@link CopyOptions#bandwidth()} (the run's network limit); zero ranges
 * move no data and cost nothing.
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

    /**
     * Walks the block status of the requested extents, always keeping the next block-status request in
     * flight, so that the reads never drain while the copier waits for the server to describe the next span.
     */
    private final class AllocationScan {
        private final Iterator<Extent> extents;
        private Extent current;
        private long position;
        private CompletableFuture<List<BlockStatus>> pending;

        AllocationScan(List<Extent> extents) {
            this.extents = extents.iterator();
            pending = requestNext();
        }

        /** The next run of statuses in disk order, or null at the end. */
        List<BlockStatus> next() throws IOException {
            if (pending == null) {
                return null;
            }
            List<BlockStatus> statuses = NbdClient.await(pending);
            position = statuses.get(statuses.size() - 1).end();
            pending = requestNext();
            return statuses;
        }

        private CompletableFuture<List<BlockStatus>> requestNext() {
            while (current == null || position >= current.end()) {
                if (!extents.hasNext()) {
                    return null;
                }
                current = extents.next();
                position = current.offset();
            }
            return client.leastBusy().blockStatus(position, current.end() - position);
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
                AllocationScan scan = new AllocationScan(extents);
                List<BlockStatus> statuses;
                while ((statuses = scan.next()) != null) {
                    throwIfFailed();
                    for (BlockStatus status : statuses) {
                        if (status.readsAsZero()) {
                            destination.zero(status.offset(), status.length());
                            zeroBytes += status.length();
                            report(status.length());
                        } else {
                            readAndWrite(status.offset(), status.length());
                        }
                    }
                }
            } finally {
                awaitAllRequests();
            }
            throwIfFailed();
        }

        private void readAndWrite(long offset, long length) throws IOException {
            long position = offset;
            long end = offset + length;
            while (position < end) {
                int count = (int) Math.min(requestSize, end - position);
                // Before taking a slot, so that a wait for bandwidth holds no buffer.
                options.bandwidth().acquire(count);
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
            } catch (RuntimeException e) {
                // e.g. from the progress callback: a CompletableFuture callback would swallow it silently
                fail(new IOException("copy failed after reading offset " + offset + ": " + NbdConnection.describe(e), e));
            } finally {
                freeBuffers.add(buffer);
                slots.release();
            }
        }

        /**
         * Under a lock: reader threads complete in any order, and without it one thread's larger total could reach
         * the callback before another's smaller one, so that the progress a caller sees went backwards (found by
         * DiskCopierTest in CI). The callback is cheap (a number for the state writer), the lock uncontended.
         */
        private synchronized void report(long bytes) {
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
