package dev.authloopback.loopback.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** One IPv4 or IPv6 network in CIDR notation, e.g. {@code 127.0.0.0/8} or {@code ::1/128}. */
public final class Cidr {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /** Parses {@code address[/prefix]}; a bare address means a single host. Never does a DNS lookup. */
    public static Cidr parse(String text) {
        String value = text.trim();
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        byte[] bytes = literalAddress(address);
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + value + "' has no numeric prefix length");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + value + "' prefix length must be 0.." + max);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, value);
    }

    private static byte[] literalAddress(String address) {
        if (!IPV4.matcher(address).matches() && !IPV6.matcher(address).matches()) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address literal");
        }
        try {
            return InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address literal");
        }
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int bitsInByte = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] = (byte) (masked[i] & (0xFF << (8 - bitsInByte)));
        }
        return masked;
    }

    public boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            candidate = ipv4Mapped(candidate, network.length);
            if (candidate == null) {
                return false;
            }
        }
        return java.util.Arrays.equals(mask(candidate, prefixLength), network);
    }

    /** Treats {@code ::ffff:127.0.0.1} as {@code 127.0.0.1}, which some dual-stack connectors report. */
    private static byte[] ipv4Mapped(byte[] candidate, int wantedLength) {
        if (wantedLength == 4 && candidate.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (candidate[i] != 0) {
                    return null;
                }
            }
            if (candidate[10] == (byte) 0xFF && candidate[11] == (byte) 0xFF) {
                return java.util.Arrays.copyOfRange(candidate, 12, 16);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
