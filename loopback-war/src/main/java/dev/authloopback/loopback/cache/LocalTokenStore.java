package dev.authloopback.loopback.cache;

import org.ehcache.Cache;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One profile's entries in this node's heap (Ehcache heap tier), within the web app's byte budget
 * ({@link WeightLedger}): a put first makes room. Reads never touch the ledger. Leases are always
 * granted: with no other node to agree with, the proxy's own single flight already makes one
 * upstream call per key.
 */
public final class LocalTokenStore implements TokenStore {
    private final String profile;
    private final Cache<String, CachedToken> cache;
    private final long maxMarks;
    private final WeightLedger ledger;
    /** Last forced refresh (eviction) per key, for the min-refresh-interval rate limit. */
    private final ConcurrentHashMap<String, Long> lastEviction = new ConcurrentHashMap<>();
    /** When the running evict-all claim ends (epoch millis); kept apart from the marks {@link #clear()} drops. */
    private final AtomicLong evictAllUntil = new AtomicLong(Long.MIN_VALUE);

    LocalTokenStore(String profile, Cache<String, CachedToken> cache, long maxEntries, WeightLedger ledger) {
        this.profile = profile;
        this.cache = cache;
        this.maxMarks = maxEntries;
        this.ledger = ledger;
    }

    @Override
    public CachedToken get(String key) {
        return cache.get(key);
    }

    @Override
    public boolean put(String key, CachedToken token) {
        return ledger.store(profile, cache, key, token);
    }

    @Override
    public boolean remove(String key, CachedToken expected) {
        return cache.remove(key, expected);
    }

    @Override
    public void clear() {
        ledger.clear(profile, cache);
        lastEviction.clear();
    }

    @Override
    public EntryStats stats(long now) {
        return EntryStats.of(cache, now);
    }

    @Override
    public long size() {
        long n = 0;
        for (Cache.Entry<String, CachedToken> ignored : cache) {
            n++;
        }
        return n;
    }

    /** The keys held now (a snapshot), for handing entries over to a cluster that came back. */
    public java.util.List<String> keys() {
        java.util.List<String> keys = new java.util.ArrayList<>();
        for (Cache.Entry<String, CachedToken> entry : cache) {
            keys.add(entry.getKey());
        }
        return keys;
    }

    @Override
    public boolean claimEviction(String key, long now, long intervalMillis) {
        boolean[] claimed = new boolean[1];
        lastEviction.compute(key, (k, last) -> {
            claimed[0] = last == null || now - last >= intervalMillis;
            return claimed[0] ? Long.valueOf(now) : last;
        });
        if (lastEviction.size() > maxMarks) {
            // Keeps the marks as few as the entries: expired marks are dropped.
            lastEviction.values().removeIf(at -> now - at >= intervalMillis);
        }
        return claimed[0];
    }

    @Override
    public long claimEvictAll(long now, long intervalMillis) {
        while (true) {
            long until = evictAllUntil.get();
            if (now < until) {
                return until - now;
            }
            if (evictAllUntil.compareAndSet(until, now + intervalMillis)) {
                return 0;
            }
        }
    }

    @Override
    public void releaseEviction(String key, long claimedAt) {
        lastEviction.remove(key, claimedAt);
    }

    @Override
    public Lease lease(String key, Lease mine) {
        return mine;
    }

    @Override
    public void release(String key, Lease mine) {
        // Nothing was stored.
    }

    @Override
    public boolean shared() {
        return false;
    }
}
