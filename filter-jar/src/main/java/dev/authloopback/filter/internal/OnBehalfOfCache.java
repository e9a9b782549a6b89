package dev.authloopback.filter.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The on-behalf-of near cache: one exchanged token per inbound user token, keyed by a keyed digest
 * (HMAC, random key per filter) of the user token, as the loopback keys it, so the map holds no user
 * token. Bounded in bytes ({@code on-behalf-of-cache-bytes}): when full, the least recently used
 * entries go. An entry is fresh for min(local-ttl, the exchanged token's expires_in − skew, the user
 * token's own {@code exp}): it never outlives either token.
 */
public final class OnBehalfOfCache {
    /** Map node, key string, entry and Token objects: measured as about this much over the token's chars. */
    static final int OVERHEAD_BYTES = 400;

    private record Entry(Token token, Instant freshUntil, int weight) {
    }

    private final long maxBytes;
    private final Duration localTtl;
    private final Clock clock;
    private final Mac pristine;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    public OnBehalfOfCache(long maxBytes, Duration localTtl, Clock clock) {
        this.maxBytes = maxBytes;
        this.localTtl = localTtl;
        this.clock = clock;
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try {
            pristine = Mac.getInstance("HmacSHA256");
            pristine.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    /** The key of a user token. */
    public String keyOf(String userToken) {
        try {
            Mac mac = (Mac) pristine.clone();
            return HexFormat.of().formatHex(mac.doFinal(userToken.getBytes(StandardCharsets.US_ASCII)));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 from the JDK is cloneable", e);
        }
    }

    /** @return the fresh exchanged token for this key, or {@code null} */
    public synchronized Token get(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.freshUntil())) {
            remove(key);
            return null;
        }
        return entry.token();
    }

    /** @param userExpiresAt the user token's {@code exp}, or {@code null} when it could not be read */
    public synchronized void put(String key, Token token, Instant userExpiresAt) {
        if (maxBytes <= 0 || localTtl.isZero()) {
            return;
        }
        Instant freshUntil = token.fetchedAt().plus(NearCache.freshFor(token, localTtl));
        if (userExpiresAt != null && userExpiresAt.isBefore(freshUntil)) {
            freshUntil = userExpiresAt;
        }
        if (!freshUntil.isAfter(clock.instant())) {
            return;
        }
        int weight = OVERHEAD_BYTES + 2 * (key.length() + token.value().length()
                + (token.etag() == null ? 0 : token.etag().length()));
        if (weight > maxBytes) {
            return;
        }
        remove(key);
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
             bytes + weight > maxBytes && it.hasNext(); ) {
            bytes -= it.next().getValue().weight();
            it.remove();
        }
        entries.put(key, new Entry(token, freshUntil, weight));
        bytes += weight;
    }

    /** Drops this user's entry only while it holds {@code refused}. */
    public synchronized void evict(String key, Token refused) {
        Entry entry = entries.get(key);
        if (entry != null && entry.token().value().equals(refused.value())) {
            remove(key);
        }
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int size() {
        return entries.size();
    }

    private void remove(String key) {
        Entry gone = entries.remove(key);
        if (gone != null) {
            bytes -= gone.weight();
        }
    }
}
