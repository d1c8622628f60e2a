package org.v2vwrapper.nbd;

/**
 * What NBD_OPT_GO told about the export. Block sizes are 0 when the server sent no NBD_INFO_BLOCK_SIZE.
 */
public record ExportInfo(String name, long size, int transmissionFlags,
                         int minimumBlockSize, int preferredBlockSize, int maximumBlockSize) {

    public boolean readOnly() {
        return (transmissionFlags & NbdProtocol.FLAG_READ_ONLY) != 0;
    }

    public boolean canMultiConn() {
        return (transmissionFlags & NbdProtocol.FLAG_CAN_MULTI_CONN) != 0;
    }

    /** The largest read payload this export accepts. */
    public int maximumPayload() {
        return maximumBlockSize > 0 ? maximumBlockSize : NbdProtocol.DEFAULT_MAX_PAYLOAD;
    }
}
