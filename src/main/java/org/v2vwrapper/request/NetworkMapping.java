package org.v2vwrapper.request;

import java.util.Optional;

/** One entry of {@code network_mappings}: a source network (or NIC by MAC) and where it goes. */
public record NetworkMapping(String source, String destination, Optional<String> macAddress,
                             Optional<String> ipAddress) {
}
