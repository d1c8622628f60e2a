package org.v2vwrapper.nbd;

/**
 * Tuning of a copy.
 *
 * @param requestsInFlight read requests outstanding at once, over all connections (= buffers allocated)
 * @param requestSize      bytes per read request (capped by the export's maximum block size)
 * @param flush            fdatasync the destination at the end, so the data is on stable storage
 * @param bandwidth        the run's byte-rate limit for data read over NBD; one bucket shared by all copies
 */
public record CopyOptions(int requestsInFlight, int requestSize, boolean flush, TokenBucket bandwidth) {
    public static final CopyOptions DEFAULTS = new CopyOptions(64, 256 * 1024, false);

    public CopyOptions {
        if (requestsInFlight < 1) {
            throw new IllegalArgumentException("requestsInFlight must be at least 1");
        }
        if (requestSize < 512 || requestSize > NbdProtocol.DEFAULT_MAX_PAYLOAD) {
            throw new IllegalArgumentException("requestSize must be between 512 bytes and 32 MiB");
        }
        java.util.Objects.requireNonNull(bandwidth, "bandwidth");
    }

    /** Without a bandwidth limit. */
    public CopyOptions(int requestsInFlight, int requestSize, boolean flush) {
        this(requestsInFlight, requestSize, flush, TokenBucket.UNLIMITED);
    }

    public CopyOptions withBandwidth(TokenBucket bucket) {
        return new CopyOptions(requestsInFlight, requestSize, flush, bucket);
    }
}
