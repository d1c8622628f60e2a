package org.v2vwrapper.convert;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One network adapter of the source VM: its MAC and the name of the network (port group) it is on, the names
 * {@code network_mappings[].source} and {@code mac_address} refer to.
 */
public record GuestNic(String macAddress, String networkName) {
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");

    public GuestNic {
        Objects.requireNonNull(networkName, "networkName");
        if (macAddress == null || !MAC.matcher(macAddress).matches()) {
            throw new IllegalArgumentException("not a MAC address: " + macAddress);
        }
        macAddress = macAddress.toLowerCase(java.util.Locale.ROOT);
    }
}
