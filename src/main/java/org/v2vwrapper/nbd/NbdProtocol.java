package org.v2vwrapper.nbd;

/**
 * Numbers of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md) that this client uses,
 * and their names for error messages.
 */
public final class NbdProtocol {
    private NbdProtocol() {
    }

    public static final int DEFAULT_PORT = 10809;

    // Handshake
    public static final long NBDMAGIC = 0x4e42444d41474943L;
    public static final long IHAVEOPT = 0x49484156454F5054L;
    public static final long CLISERV_MAGIC = 0x00420281861253L; // oldstyle servers
    public static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    public static final int FLAG_FIXED_NEWSTYLE = 1;
    public static final int FLAG_NO_ZEROES = 2;

    // Options
    public static final int OPT_ABORT = 2;
    public static final int OPT_GO = 7;
    public static final int OPT_STRUCTURED_REPLY = 8;
    public static final int OPT_SET_META_CONTEXT = 10;

    // Option replies
    public static final int REP_ACK = 1;
    public static final int REP_INFO = 3;
    public static final int REP_META_CONTEXT = 4;
    public static final int REP_FLAG_ERROR = 1 << 31;

    // NBD_OPT_GO information types
    public static final int INFO_EXPORT = 0;
    public static final int INFO_NAME = 1;
    public static final int INFO_DESCRIPTION = 2;
    public static final int INFO_BLOCK_SIZE = 3;

    // Transmission flags
    public static final int FLAG_HAS_FLAGS = 1;
    public static final int FLAG_READ_ONLY = 1 << 1;
    public static final int FLAG_SEND_FLUSH = 1 << 2;
    public static final int FLAG_SEND_TRIM = 1 << 5;
    public static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;
    public static final int FLAG_SEND_DF = 1 << 7;
    public static final int FLAG_CAN_MULTI_CONN = 1 << 8;

    // Transmission
    public static final int REQUEST_MAGIC = 0x25609513;
    public static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    public static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;
    public static final int REQUEST_HEADER_SIZE = 28;

    public static final short CMD_READ = 0;
    public static final short CMD_DISC = 2;
    public static final short CMD_BLOCK_STATUS = 7;

    public static final short CMD_FLAG_REQ_ONE = 1 << 3;

    public static final int REPLY_FLAG_DONE = 1;
    public static final int REPLY_TYPE_NONE = 0;
    public static final int REPLY_TYPE_OFFSET_DATA = 1;
    public static final int REPLY_TYPE_OFFSET_HOLE = 2;
    public static final int REPLY_TYPE_BLOCK_STATUS = 5;
    public static final int REPLY_TYPE_ERROR = (1 << 15) + 1;
    public static final int REPLY_TYPE_ERROR_OFFSET = (1 << 15) + 2;
    public static final int REPLY_TYPE_ERROR_BIT = 1 << 15;

    public static final String CONTEXT_BASE_ALLOCATION = "base:allocation";
    public static final int STATE_HOLE = 1;
    public static final int STATE_ZERO = 2;

    /** Largest request the spec lets a client assume without block-size information (32 MiB). */
    public static final int DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;

    public static String optionName(int option) {
        return switch (option) {
            case OPT_ABORT -> "NBD_OPT_ABORT";
            case OPT_GO -> "NBD_OPT_GO";
            case OPT_STRUCTURED_REPLY -> "NBD_OPT_STRUCTURED_REPLY";
            case OPT_SET_META_CONTEXT -> "NBD_OPT_SET_META_CONTEXT";
            default -> "NBD_OPT_" + option;
        };
    }

    public static String optionReplyErrorName(int reply) {
        return switch (reply & ~REP_FLAG_ERROR) {
            case 1 -> "NBD_REP_ERR_UNSUP";
            case 2 -> "NBD_REP_ERR_POLICY";
            case 3 -> "NBD_REP_ERR_INVALID";
            case 4 -> "NBD_REP_ERR_PLATFORM";
            case 5 -> "NBD_REP_ERR_TLS_REQD";
            case 6 -> "NBD_REP_ERR_UNKNOWN";
            case 7 -> "NBD_REP_ERR_SHUTDOWN";
            case 8 -> "NBD_REP_ERR_BLOCK_SIZE_REQD";
            case 9 -> "NBD_REP_ERR_TOO_BIG";
            default -> "NBD_REP_ERR_" + (reply & ~REP_FLAG_ERROR);
        };
    }

    public static String commandName(short command) {
        return switch (command) {
            case CMD_READ -> "READ";
            case CMD_DISC -> "DISC";
            case CMD_BLOCK_STATUS -> "BLOCK_STATUS";
            default -> "CMD_" + command;
        };
    }

    /** The NBD error numbers are the Linux errno values for the few the spec defines. */
    public static String errorName(int error) {
        return switch (error) {
            case 1 -> "EPERM";
            case 5 -> "EIO";
            case 12 -> "ENOMEM";
            case 22 -> "EINVAL";
            case 28 -> "ENOSPC";
            case 75 -> "EOVERFLOW";
            case 95 -> "ENOTSUP";
            case 108 -> "ESHUTDOWN";
            default -> "error " + error;
        };
    }
}
