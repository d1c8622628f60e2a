package org.v2vwrapper.nbd;

import static org.v2vwrapper.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixed-newstyle option negotiation: structured replies, the {@code base:allocation} meta context, then
 * NBD_OPT_GO. Each optional feature the server refuses is simply not used.
 */
final class NbdHandshake {
    private static final Logger LOG = LoggerFactory.getLogger(NbdHandshake.class);
    private static final int MAX_OPTION_REPLY = 64 * 1024; // replies we ask for are tiny: refuse garbage

    /** What the negotiation established. metaContextId is -1 when block status is unavailable. */
    record Result(ExportInfo export, boolean structuredReplies, int metaContextId) {
    }

    private final ByteChannel channel;
    private final String exportName;

    private NbdHandshake(ByteChannel channel, String exportName) {
        this.channel = channel;
        this.exportName = exportName;
    }

    static Result negotiate(ByteChannel channel, String exportName) throws IOException {
        return new NbdHandshake(channel, exportName).run();
    }

    private Result run() throws IOException {
        int serverFlags = readGreeting();
        int clientFlags = FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES);
        ChannelIo.writeFully(channel, ByteBuffer.allocate(4).putInt(clientFlags).flip());

        boolean structured = requestStructuredReplies();
        int contextId = structured ? requestBaseAllocation() : -1;
        ExportInfo export = go();
        return new Result(export, structured, contextId);
    }

    private int readGreeting() throws IOException {
        ByteBuffer greeting = ChannelIo.readFully(channel, 16);
        if (greeting.getLong() != NBDMAGIC) {
            throw fail("the server did not send the NBD greeting (not an NBD server?)");
        }
        long second = greeting.getLong();
        if (second == CLISERV_MAGIC) {
            throw fail("the server speaks the oldstyle protocol; only fixed newstyle is supported");
        }
        if (second != IHAVEOPT) {
            throw fail("unexpected handshake magic 0x" + Long.toHexString(second));
        }
        int flags = Short.toUnsignedInt(ChannelIo.readFully(channel, 2).getShort());
        if ((flags & FLAG_FIXED_NEWSTYLE) == 0) {
            throw fail("the server does not support the fixed newstyle handshake");
        }
        return flags;
    }

    private boolean requestStructuredReplies() throws IOException {
        sendOption(OPT_STRUCTURED_REPLY, ByteBuffer.allocate(0));
        OptionReply reply = readOptionReply(OPT_STRUCTURED_REPLY);
        if (reply.isError()) {
            LOG.debug("export \"{}\": no structured replies ({})", exportName, reply.describeError());
            return false;
        }
        if (reply.type() != REP_ACK) {
            throw fail("unexpected reply " + reply.type() + " to " + optionName(OPT_STRUCTURED_REPLY));
        }
        return true;
    }

    private int requestBaseAllocation() throws IOException {
        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        byte[] query = CONTEXT_BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 4 + 4 + query.length);
        data.putInt(name.length).put(name).putInt(1).putInt(query.length).put(query).flip();
        sendOption(OPT_SET_META_CONTEXT, data);
        int contextId = -1;
        while (true) {
            OptionReply reply = readOptionReply(OPT_SET_META_CONTEXT);
            if (reply.isError()) {
                LOG.debug("export \"{}\": no block status ({})", exportName, reply.describeError());
                return -1;
            }
            if (reply.type() == REP_ACK) {
                return contextId;
            }
            if (reply.type() != REP_META_CONTEXT || reply.data().remaining() < 4) {
                throw fail("unexpected reply " + reply.type() + " to " + optionName(OPT_SET_META_CONTEXT));
            }
            int id = reply.data().getInt();
            String contextName = StandardCharsets.UTF_8.decode(reply.data()).toString();
            if (contextName.equals(CONTEXT_BASE_ALLOCATION)) {
                contextId = id;
            }
        }
    }

    private ExportInfo go() throws IOException {
        byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2);
        data.putInt(name.length).put(name).putShort((short) 1).putShort((short) INFO_BLOCK_SIZE).flip();
        sendOption(OPT_GO, data);

        long size = -1;
        int transmissionFlags = 0;
        int minimum = 0;
        int preferred = 0;
        int maximum = 0;
        while (true) {
            OptionReply reply = readOptionReply(OPT_GO);
            if (reply.isError()) {
                throw fail("the server refused " + optionName(OPT_GO) + ": " + reply.describeError());
            }
            if (reply.type() == REP_ACK) {
                break;
            }
            if (reply.type() != REP_INFO || reply.data().remaining() < 2) {
                throw fail("unexpected reply " + reply.type() + " to " + optionName(OPT_GO));
            }
            ByteBuffer info = reply.data();
            int infoType = Short.toUnsignedInt(info.getShort());
            if (infoType == INFO_EXPORT && info.remaining() >= 10) {
                size = info.getLong();
                transmissionFlags = Short.toUnsignedInt(info.getShort());
            } else if (infoType == INFO_BLOCK_SIZE && info.remaining() >= 12) {
                minimum = info.getInt();
                preferred = info.getInt();
                maximum = info.getInt();
            } // NAME, DESCRIPTION and future types: nothing we need
        }
        if (size < 0) {
            throw fail("the server accepted " + optionName(OPT_GO) + " without sending the export size");
        }
        return new ExportInfo(exportName, size, transmissionFlags, minimum, preferred, maximum);
    }

    private void sendOption(int option, ByteBuffer data) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(16 + data.remaining());
        header.putLong(IHAVEOPT).putInt(option).putInt(data.remaining()).put(data).flip();
        ChannelIo.writeFully(channel, header);
    }

    private record OptionReply(int type, ByteBuffer data) {
        boolean isError() {
            return (type & REP_FLAG_ERROR) != 0;
        }

        String describeError() {
            String message = StandardCharsets.UTF_8.decode(data.duplicate()).toString();
            return optionReplyErrorName(type) + (message.isBlank() ? "" : " (" + message + ")");
        }
    }

    private OptionReply readOptionReply(int option) throws IOException {
        ByteBuffer header = ChannelIo.readFully(channel, 20);
        long magic = header.getLong();
        int repliedOption = header.getInt();
        int type = header.getInt();
        int length = header.getInt();
        if (magic != OPTION_REPLY_MAGIC) {
            throw fail("bad option reply magic 0x" + Long.toHexString(magic) + " to " + optionName(option));
        }
        if (repliedOption != option) {
            throw fail("the server answered " + optionName(repliedOption) + " to " + optionName(option));
        }
        if (length < 0 || length > MAX_OPTION_REPLY) {
            throw fail("oversized reply (" + Integer.toUnsignedString(length) + " bytes) to " + optionName(option));
        }
        return new OptionReply(type, ChannelIo.readFully(channel, length));
    }

    private NbdException fail(String what) {
        return new NbdException("NBD handshake for export \"" + exportName + "\" failed: " + what);
    }
}
