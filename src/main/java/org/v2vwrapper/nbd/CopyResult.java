package org.v2vwrapper.nbd;

import java.time.Duration;

/**
 * What a finished copy did.
 *
 * @param requestedBytes bytes of the requested ranges
 * @param dataBytes      bytes read from the server and written
 * @param zeroBytes      bytes the server reported as zero, handled without reading
 */
public record CopyResult(long requestedBytes, long dataBytes, long zeroBytes, Duration elapsed) {
}
