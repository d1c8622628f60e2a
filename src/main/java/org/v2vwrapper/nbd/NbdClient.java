package org.v2vwrapper.nbd;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for one export: one connection, or several when the server advertises multi-conn (then every
 * connection sees the same data, so reads may be spread over them).
 */
public final class NbdClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdClient.class);

    private final List<NbdConnection> connections;

    private NbdClient(List<NbdConnection> connections) {
        this.connections = Collections.unmodifiableList(connections);
    }

    public static NbdClient connect(NbdUri uri, NbdClientOptions options) throws IOException {
        List<NbdConnection> opened = new ArrayList<>();
        try {
            NbdConnection first = NbdConnection.open(uri, options.connectTimeout(), options.requestTimeout());
            opened.add(first);
            int wanted = first.export().canMultiConn() ? options.connections() : 1;
            for (int i = 1; i < wanted; i++) {
                opened.add(NbdConnection.open(uri, options.connectTimeout(), options.requestTimeout()));
            }
            LOG.info("connected to {} with {} connection(s): size {}, flags 0x{}", uri, opened.size(),
                first.export().size(), Integer.toHexString(first.export().transmissionFlags()));
            return new NbdClient(opened);
        } catch (IOException | RuntimeException e) {
            opened.forEach(NbdConnection::close);
            throw e;
        }
    }

    public ExportInfo export() {
        return connections.get(0).export();
    }

    public List<NbdConnection> connections() {
        return connections;
    }

    public boolean supportsBlockStatus() {
        return connections.get(0).supportsBlockStatus();
    }

    /** The connection with the fewest requests in flight. */
    public NbdConnection leastBusy() {
        NbdConnection best = connections.get(0);
        for (NbdConnection c : connections) {
            if (c.inFlight() < best.inFlight()) {
                best = c;
            }
        }
        return best;
    }

    /** The allocation of [offset, offset+length), asking as often as the server needs. */
    public List<BlockStatus> blockStatus(long offset, long length) throws IOException {
        List<BlockStatus> result = new ArrayList<>();
        long position = offset;
        long end = offset + length;
        while (position < end) {
            List<BlockStatus> part = await(connections.get(0).blockStatus(position, end - position));
            for (BlockStatus status : part) {
                result.add(status);
                position = status.end();
            }
        }
        return result;
    }

    /** A blocking read, for small things; copies use {@link NbdConnection#read} directly. */
    public byte[] read(long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        await(connections.get(0).read(offset, buffer));
        return buffer.array();
    }

    /** Waits for a request's future and rethrows its failure as the NbdException it carries. */
    public static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for an NBD reply");
        } catch (ExecutionException | CancellationException e) {
            throw unwrap(e);
        }
    }

    static IOException unwrap(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
            && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof IOException io ? io : new IOException(NbdConnection.describe(cause), cause);
    }

    @Override
    public void close() {
        connections.forEach(NbdConnection::close);
    }
}
