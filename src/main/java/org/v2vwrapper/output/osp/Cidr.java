package org.v2vwrapper.output.osp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

import org.v2vwrapper.request.IpAddresses;

/** An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/24}, {@code 2001:db8::/64}), as Neutron gives it. */
public record Cidr(byte[] network, int prefixLength) {

    /** Parses {@code cidr}; empty if it is not a CIDR block of literal addresses (never resolves names). */
    public static Optional<Cidr> parse(String cidr) {
        if (cidr == null) {
            return Optional.empty();
        }
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        Optional<byte[]> address = literal(cidr.substring(0, slash));
        if (address.isEmpty()) {
            return Optional.empty();
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (prefix < 0 || prefix > address.get().length * 8) {
            return Optional.empty();
        }
        return Optional.of(new Cidr(address.get(), prefix));
    }

    /** Whether the literal address {@code ip} lies in this network (false for another address family). */
    public boolean contains(String ip) {
        Optional<byte[]> address = literal(ip);
        if (address.isEmpty() || address.get().length != network.length) {
            return false;
        }
        byte[] a = address.get();
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    private static Optional<byte[]> literal(String s) {
        if (!IpAddresses.isLiteral(s)) {
            return Optional.empty();
        }
        try {
            // A literal (checked above) is parsed, never looked up.
            return Optional.of(InetAddress.getByName(s).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
