package dev.authloopback.loopback.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The networks allowed to call; parsed once from a comma-separated CIDR list. */
public final class AddressAllowList {
    public static final String LOOPBACK_ONLY = "127.0.0.0/8,::1/128";

    private final List<Cidr> networks;
    /**
     * The last peer literal found allowed. Every request is checked (by the allow-list filter, then
     * by the resource), nearly always from the same local address: a string comparison then
     * replaces parsing the address. Only a yes is remembered, and the list never changes, so a stale
     * value is still a right answer.
     */
    private volatile String lastAllowed;

    private AddressAllowList(List<Cidr> networks) {
        this.networks = List.copyOf(networks);
    }

    /** @throws IllegalArgumentException naming the first entry that is not a CIDR */
    public static AddressAllowList parse(String commaSeparated) {
        List<Cidr> networks = new ArrayList<>();
        for (String part : commaSeparated.split(",")) {
            if (!part.isBlank()) {
                networks.add(Cidr.parse(part));
            }
        }
        if (networks.isEmpty()) {
            throw new IllegalArgumentException("must name at least one CIDR");
        }
        return new AddressAllowList(networks);
    }

    /**
     * Decides on the socket peer address only. Proxy headers such as X-Forwarded-For are never
     * consulted: anyone can send them.
     */
    public boolean allows(String remoteAddress) {
        if (remoteAddress == null || remoteAddress.isBlank()) {
            return false;
        }
        if (remoteAddress.equals(lastAllowed)) {
            return true;
        }
        String literal = remoteAddress.startsWith("[") && remoteAddress.endsWith("]")
                ? remoteAddress.substring(1, remoteAddress.length() - 1)
                : remoteAddress;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        InetAddress address;
        try {
            // remoteAddress is the numeric peer address from the connector, so no lookup happens.
            address = InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            return false;
        }
        for (Cidr network : networks) {
            if (network.contains(address)) {
                lastAllowed = remoteAddress;
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return networks.stream().map(Cidr::toString).collect(Collectors.joining(","));
    }
}
