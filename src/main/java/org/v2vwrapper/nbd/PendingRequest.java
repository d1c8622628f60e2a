package org.v2vwrapper.nbd;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One request in flight on a connection. After it is published in the connection's pending map only the
 * connection's reader thread touches the mutable fields.
 */
final class PendingRequest {
    final short command;
    final long offset;
    final int length;
    /** READ: where the data goes, position..limit; null for other commands. */
    final ByteBuffer target;
    final CompletableFuture<Object> future = new CompletableFuture<>();
    final List<BlockStatus> statuses = new ArrayList<>();
    volatile ScheduledFuture<?> timeout;
    long bytesCovered;
    NbdException serverError;

    PendingRequest(short command, long offset, int length, ByteBuffer target) {
        this.command = command;
        this.offset = offset;
        this.length = length;
        this.target = target;
    }

    String describe() {
        return NbdProtocol.commandName(command) + " offset=" + offset + " length=" + length;
    }

    /** A view of the target buffer for the absolute disk range [absoluteOffset, +count). */
    ByteBuffer targetSlice(long absoluteOffset, int count) {
        ByteBuffer slice = target.duplicate();
        int start = target.position() + (int) (absoluteOffset - offset);
        slice.limit(start + count).position(start);
        return slice;
    }

    boolean completeExceptionally(Throwable error) {
        cancelTimeout();
        return future.completeExceptionally(error);
    }

    boolean complete(Object value) {
        cancelTimeout();
        return future.complete(value);
    }

    private void cancelTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
    }
}
