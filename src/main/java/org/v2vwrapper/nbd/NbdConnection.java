package org.v2vwrapper.nbd;

import static org.v2vwrapper.nbd.NbdProtocol.*;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NBD connection with many requests in flight: callers send from any thread, one reader thread per
 * connection matches replies to requests by cookie and completes their futures. Completion callbacks
 * registered without an executor run on that reader thread, so they should be short (a positional write is).
 *
 * <p>Any protocol error, I/O error or timeout kills the whole connection, since the reply stream can no
 * longer be trusted; every request still in flight then fails with a message naming it.
 */
public final class NbdConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NbdConnection.class);
    private static final ScheduledExecutorService TIMERS = createTimers();
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(256 * 1024);
    private static final int MAX_BLOCK_STATUS_PAYLOAD = 64 * 1024 * 1024;
    private static final int MAX_BLOCK_STATUS_LENGTH = 1 << 30; // a generous span; servers may answer less

    private final NbdUri uri;
    private final SocketChannel channel;
    private final ExportInfo export;
    private final boolean structuredReplies;
    private final int metaContextId;
    private final Duration requestTimeout;
    private final Map<Long, PendingRequest> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextCookie = new AtomicLong(1);
    private final ByteBuffer requestHeader = ByteBuffer.allocateDirect(REQUEST_HEADER_SIZE);
    private final Object writeLock = new Object();
    private final Thread reader;
    private volatile NbdException failure;
    private volatile boolean closing;

    private NbdConnection(NbdUri uri, SocketChannel channel, NbdHandshake.Result negotiated, Duration requestTimeout) {
        this.uri = uri;
        this.channel = channel;
        this.export = negotiated.export();
        this.structuredReplies = negotiated.structuredReplies();
        this.metaContextId = negotiated.metaContextId();
        this.requestTimeout = requestTimeout;
        this.reader = new Thread(this::readReplies, "nbd-reader-" + export.name());
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects and negotiates; the whole of it must finish within connectTimeout. */
    public static NbdConnection open(NbdUri uri, Duration connectTimeout, Duration requestTimeout) throws IOException {
        SocketChannel channel = uri.isUnix()
            ? SocketChannel.open(StandardProtocolFamily.UNIX)
            : SocketChannel.open();
        // Blocking channels have no read timeout: closing the channel from a timer unblocks connect and reads.
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> watchdog = TIMERS.schedule(() -> {
            timedOut.set(true);
            closeQuietly(channel);
        }, connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            if (!uri.isUnix()) {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            channel.connect(uri.socketAddress());
            NbdHandshake.Result negotiated = NbdHandshake.negotiate(channel, uri.exportName());
            if (!watchdog.cancel(false) && timedOut.get()) {
                throw new IOException("timed out");
            }
            LOG.debug("connected to {}: {} (structured replies {}, block status {})", uri, negotiated.export(),
                negotiated.structuredReplies(), negotiated.metaContextId() >= 0);
            return new NbdConnection(uri, channel, negotiated, requestTimeout);
        } catch (NbdException e) {
            watchdog.cancel(false);
            closeQuietly(channel);
            if (timedOut.get()) {
                throw timeoutOnConnect(uri, connectTimeout);
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            watchdog.cancel(false);
            closeQuietly(channel);
            if (timedOut.get()) {
                throw timeoutOnConnect(uri, connectTimeout);
            }
            throw new NbdException("cannot connect to export \"" + uri.exportName() + "\" at " + uri + ": "
                + describe(e), e);
        }
    }

    public ExportInfo export() {
        return export;
    }

    public NbdUri uri() {
        return uri;
    }

    public boolean supportsBlockStatus() {
        return metaContextId >= 0;
    }

    public boolean structuredReplies() {
        return structuredReplies;
    }

    /** Requests now in flight (for balancing work over several connections). */
    public int inFlight() {
        return pending.size();
    }

    /**
     * Reads {@code target.remaining()} bytes at {@code offset} into target's position..limit (holes come back
     * as zeroes). The buffer's position is not moved; do not touch it until the future completes.
     */
    public CompletableFuture<Void> read(long offset, ByteBuffer target) {
        int length = target.remaining();
        checkRange(offset, length);
        if (length > export.maximumPayload()) {
            throw new IllegalArgumentException("read of " + length + " bytes exceeds the export's maximum "
                + export.maximumPayload());
        }
        return submit(new PendingRequest(CMD_READ, offset, length, target), (short) 0).thenApply(v -> null);
    }

    /**
     * The allocation of [offset, offset+length): servers may describe less than asked (never nothing), so
     * callers loop. Without block-status support the whole range is reported as data.
     */
    @SuppressWarnings("unchecked")
    public CompletableFuture<List<BlockStatus>> blockStatus(long offset, long length) {
        int asked = (int) Math.min(length, MAX_BLOCK_STATUS_LENGTH);
        checkRange(offset, asked);
        if (!supportsBlockStatus()) {
            return CompletableFuture.completedFuture(List.of(new BlockStatus(offset, asked, 0)));
        }
        return submit(new PendingRequest(CMD_BLOCK_STATUS, offset, asked, null), (short) 0)
            .thenApply(statuses -> (List<BlockStatus>) statuses);
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length <= 0 || offset + length > export.size()) {
            throw new IllegalArgumentException("range offset=" + offset + " length=" + length
                + " is outside export \"" + export.name() + "\" of size " + export.size());
        }
    }

    private CompletableFuture<Object> submit(PendingRequest request, short flags) {
        NbdException dead = failure;
        if (dead != null || closing) {
            request.future.completeExceptionally(new NbdException(describeRequest(request)
                + " not sent: the connection is closed" + (dead == null ? "" : " (" + dead.getMessage() + ")"), dead));
            return request.future;
        }
        long cookie = nextCookie.getAndIncrement();
        request.timeout = TIMERS.schedule(() -> onTimeout(cookie, request),
            requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        pending.put(cookie, request);
        try {
            synchronized (writeLock) {
                requestHeader.clear();
                requestHeader.putInt(REQUEST_MAGIC).putShort(flags).putShort(request.command)
                    .putLong(cookie).putLong(request.offset).putInt(request.length).flip();
                ChannelIo.writeFully(channel, requestHeader);
            }
        } catch (IOException e) {
            failConnection(new NbdException("sending " + describeRequest(request) + " failed: " + describe(e), e));
        }
        return request.future;
    }

    private void onTimeout(long cookie, PendingRequest request) {
        if (pending.remove(cookie, request)) {
            NbdTimeoutException timeout = new NbdTimeoutException(describeRequest(request) + " timed out after "
                + formatDuration(requestTimeout));
            failConnection(timeout); // first, so that no request sent after this one can slip in
            request.completeExceptionally(timeout);
        }
    }

    // ---- reply side (reader thread only) ----

    private void readReplies() {
        ByteBuffer header = ByteBuffer.allocateDirect(20);
        try {
            while (true) {
                header.clear().limit(16);
                ChannelIo.readFully(channel, header);
                int magic = header.getInt(0);
                if (magic == SIMPLE_REPLY_MAGIC) {
                    handleSimpleReply(header.getInt(4), header.getLong(8));
                } else if (magic == STRUCTURED_REPLY_MAGIC) {
                    header.limit(20);
                    ChannelIo.readFully(channel, header);
                    handleChunk(Short.toUnsignedInt(header.getShort(4)), Short.toUnsignedInt(header.getShort(6)),
                        header.getLong(8), header.getInt(16));
                } else {
                    throw protocolError("bad reply magic 0x" + Integer.toHexString(magic));
                }
            }
        } catch (NbdException e) {
            failConnection(e);
        } catch (IOException | RuntimeException e) {
            if (!closing) {
                failConnection(new NbdException("connection to export \"" + export.name() + "\" at " + uri
                    + " broke: " + describe(e), e));
            }
        } finally {
            if (closing) {
                failConnection(new NbdException("connection to export \"" + export.name() + "\" closed"));
            }
        }
    }

    private void handleSimpleReply(int error, long cookie) throws IOException {
        PendingRequest request = pendingFor(cookie);
        if (error != 0) {
            pending.remove(cookie);
            request.completeExceptionally(serverError(request, error, ""));
            return;
        }
        if (request.command == CMD_READ) {
            ChannelIo.readFully(channel, request.targetSlice(request.offset, request.length));
        } else if (request.command == CMD_BLOCK_STATUS) {
            throw protocolError("simple reply to " + describeRequest(request));
        }
        pending.remove(cookie);
        request.complete(request.statuses);
    }

    private void handleChunk(int flags, int type, long cookie, int length) throws IOException {
        PendingRequest request = pendingFor(cookie);
        if (length < 0) {
            throw protocolError("oversized chunk for " + describeRequest(request));
        }
        switch (type) {
            case REPLY_TYPE_OFFSET_DATA -> readDataChunk(request, length);
            case REPLY_TYPE_OFFSET_HOLE -> readHoleChunk(request, length);
            case REPLY_TYPE_BLOCK_STATUS -> readBlockStatusChunk(request, length);
            case REPLY_TYPE_NONE -> {
                if (length != 0 || (flags & REPLY_FLAG_DONE) == 0) {
                    throw protocolError("malformed NBD_REPLY_TYPE_NONE for " + describeRequest(request));
                }
            }
            default -> {
                if ((type & REPLY_TYPE_ERROR_BIT) == 0) {
                    throw protocolError("unknown reply chunk type " + type + " for " + describeRequest(request));
                }
                readErrorChunk(request, type, length);
            }
        }
        if ((flags & REPLY_FLAG_DONE) != 0) {
            pending.remove(cookie);
            finish(request);
        }
    }

    private void finish(PendingRequest request) throws NbdException {
        if (request.serverError != null) {
            request.completeExceptionally(request.serverError);
        } else if (request.command == CMD_READ && request.bytesCovered != request.length) {
            throw protocolError("the reply to " + describeRequest(request) + " covered " + request.bytesCovered
                + " bytes");
        } else if (request.command == CMD_BLOCK_STATUS && request.statuses.isEmpty()) {
            throw protocolError("empty block status reply to " + describeRequest(request));
        } else {
            request.complete(request.statuses);
        }
    }

    private void readDataChunk(PendingRequest request, int length) throws IOException {
        if (request.command != CMD_READ || length < 8) {
            throw protocolError("unexpected data chunk for " + describeRequest(request));
        }
        long offset = ChannelIo.readFully(channel, 8).getLong();
        int count = length - 8;
        checkChunkRange(request, offset, count);
        ChannelIo.readFully(channel, request.targetSlice(offset, count));
        request.bytesCovered += count;
    }

    private void readHoleChunk(PendingRequest request, int length) throws IOException {
        if (request.command != CMD_READ || length != 12) {
            throw protocolError("unexpected hole chunk for " + describeRequest(request));
        }
        ByteBuffer payload = ChannelIo.readFully(channel, 12);
        long offset = payload.getLong();
        int count = payload.getInt();
        checkChunkRange(request, offset, count);
        ByteBuffer slice = request.targetSlice(offset, count);
        while (slice.hasRemaining()) {
            ByteBuffer zeroes = ZEROES.duplicate();
            zeroes.limit(Math.min(zeroes.capacity(), slice.remaining()));
            slice.put(zeroes);
        }
        request.bytesCovered += count;
    }

    private void checkChunkRange(PendingRequest request, long offset, int count) throws NbdException {
        if (count < 0 || offset < request.offset || offset + count > request.offset + request.length) {
            throw protocolError("chunk offset=" + offset + " length=" + count + " lies outside "
                + describeRequest(request));
        }
    }

    private void readBlockStatusChunk(PendingRequest request, int length) throws IOException {
        if (request.command != CMD_BLOCK_STATUS || length < 12 || (length - 4) % 8 != 0
            || length > MAX_BLOCK_STATUS_PAYLOAD) {
            throw protocolError("malformed block status chunk for " + describeRequest(request));
        }
        ByteBuffer payload = ChannelIo.readFully(channel, length);
        int contextId = payload.getInt();
        if (contextId != metaContextId) {
            return; // a context we did not ask for
        }
        long offset = request.offset;
        long end = request.offset + request.length;
        while (payload.hasRemaining() && offset < end) {
            long descriptorLength = Integer.toUnsignedLong(payload.getInt());
            int statusFlags = payload.getInt();
            if (descriptorLength == 0) {
                throw protocolError("zero-length block status descriptor for " + describeRequest(request));
            }
            long clipped = Math.min(descriptorLength, end - offset); // the last one may overrun the request
            request.statuses.add(new BlockStatus(offset, clipped, statusFlags));
            offset += clipped;
        }
    }

    private void readErrorChunk(PendingRequest request, int type, int length) throws IOException {
        if (length < 6) {
            throw protocolError("malformed error chunk for " + describeRequest(request));
        }
        ByteBuffer payload = ChannelIo.readFully(channel, length);
        int error = payload.getInt();
        int messageLength = Short.toUnsignedInt(payload.getShort());
        String message = "";
        if (messageLength <= payload.remaining()) {
            message = StandardCharsets.UTF_8.decode(payload.slice().limit(messageLength)).toString();
            payload.position(payload.position() + messageLength);
        }
        if (type == REPLY_TYPE_ERROR_OFFSET && payload.remaining() >= 8) {
            message = message + (message.isEmpty() ? "" : " ") + "at offset " + payload.getLong();
        }
        if (request.serverError == null) {
            request.serverError = serverError(request, error, message);
        }
    }

    private PendingRequest pendingFor(long cookie) throws NbdException {
        PendingRequest request = pending.get(cookie);
        if (request == null) {
            throw protocolError("reply for unknown cookie " + cookie);
        }
        return request;
    }

    private NbdException serverError(PendingRequest request, int error, String message) {
        return new NbdException(describeRequest(request) + " failed: server error " + errorName(error)
            + (message.isBlank() ? "" : ": " + message));
    }

    private NbdException protocolError(String what) {
        return new NbdException("NBD protocol error on export \"" + export.name() + "\" at " + uri + ": " + what);
    }

    private String describeRequest(PendingRequest request) {
        return "NBD " + request.describe() + " on export \"" + export.name() + "\"";
    }

    /** Kills the connection: the first failure is kept and every request in flight fails with it. */
    private void failConnection(NbdException cause) {
        NbdException first;
        synchronized (this) {
            if (failure == null) {
                failure = cause;
                if (!closing) {
                    LOG.debug("NBD connection to {} failed: {}", uri, cause.getMessage());
                }
            }
            first = failure; // later failures are consequences (e.g. the reader sees the close)
        }
        closeQuietly(channel);
        for (Long cookie : pending.keySet()) {
            PendingRequest request = pending.remove(cookie);
            if (request != null) {
                request.completeExceptionally(new NbdException(describeRequest(request) + " failed: "
                    + first.getMessage(), first));
            }
        }
    }

    /** Sends NBD_CMD_DISC (the polite goodbye), then closes; requests still in flight fail. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (failure == null && channel.isOpen()) {
            try {
                synchronized (writeLock) {
                    requestHeader.clear();
                    requestHeader.putInt(REQUEST_MAGIC).putShort((short) 0).putShort(CMD_DISC)
                        .putLong(0).putLong(0).putInt(0).flip();
                    ChannelIo.writeFully(channel, requestHeader);
                }
            } catch (IOException e) {
                LOG.debug("sending NBD_CMD_DISC to {} failed: {}", uri, e.toString());
            }
        }
        try {
            reader.join(1000); // the server closes its side after DISC, which ends the reader
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failConnection(new NbdException("connection to export \"" + export.name() + "\" closed"));
    }

    public static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    static String formatDuration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    private static NbdTimeoutException timeoutOnConnect(NbdUri uri, Duration timeout) {
        return new NbdTimeoutException("connecting to export \"" + uri.exportName() + "\" at " + uri
            + " timed out after " + formatDuration(timeout));
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    private static ScheduledExecutorService createTimers() {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread t = Executors.defaultThreadFactory().newThread(runnable);
            t.setName("nbd-timeouts");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true); // most timeouts are cancelled: don't let them pile up
        return timers;
    }
}
