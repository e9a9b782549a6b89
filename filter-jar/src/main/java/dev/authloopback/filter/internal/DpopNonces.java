package dev.authloopback.filter.internal;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last {@code DPoP-Nonce} (RFC 9449 §8, §9) each server sent, by origin, for the next proof to
 * it. Bounded: a business app talks to a handful of servers; past {@link #MAX_ORIGINS} the memory is
 * cleared, which costs each server one extra round trip at worst.
 */
public final class DpopNonces {
    static final int MAX_ORIGINS = 256;
    private final Map<String, String> byOrigin = new ConcurrentHashMap<>();

    public void remember(URI uri, String nonce) {
        if (nonce == null || nonce.isEmpty() || nonce.length() > 512
                || !nonce.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return;
        }
        if (byOrigin.size() >= MAX_ORIGINS) {
            byOrigin.clear();
        }
        byOrigin.put(origin(uri), nonce);
    }

    /** @return the nonce for the server of {@code uri}, or {@code null} */
    public String forUri(URI uri) {
        return byOrigin.get(origin(uri));
    }

    static String origin(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
        return scheme + "://" + host + ":" + port;
    }
}
