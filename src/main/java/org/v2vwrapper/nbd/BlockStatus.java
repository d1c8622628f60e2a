package org.v2vwrapper.nbd;

/** One descriptor of a {@code base:allocation} block-status reply, made absolute. */
public record BlockStatus(long offset, long length, int flags) {
    public boolean hole() {
        return (flags & NbdProtocol.STATE_HOLE) != 0;
    }

    /** Only the ZERO bit promises zeroes; a HOLE without it must still be read. */
    public boolean readsAsZero() {
        return (flags & NbdProtocol.STATE_ZERO) != 0;
    }

    public long end() {
        return offset + length;
    }
}
