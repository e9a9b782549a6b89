package dev.authloopback.loopback.cache;

/**
 * The entries of one profile summed up at one instant (of the injected clock), for the gauges an
 * operator graphs: how many, how old the oldest is, when the soonest token stops being valid.
 *
 * @param entries                 live entries
 * @param staleEntries            entries past their freshness, kept only to stand in on upstream errors
 * @param oldestAgeMillis         age of the oldest entry, or -1 without entries
 * @param soonestExpiryMillis     time until the soonest token stops being valid (lifetime − skew), or -1
 */
public record EntryStats(long entries, long staleEntries, long oldestAgeMillis, long soonestExpiryMillis) {
    public static final EntryStats EMPTY = new EntryStats(0, 0, -1, -1);

    /** Adds entries up in one pass over the cache. */
    static final class Accumulator {
        private final long now;
        private long entries;
        private long stale;
        private long oldestStoredAt = Long.MAX_VALUE;
        private long soonestValidUntil = Long.MAX_VALUE;

        Accumulator(long now) {
            this.now = now;
        }

        void add(CachedToken token) {
            if (token == null || !token.isValidAt(now)) {
                return; // expired under our feet: Ehcache drops it on its next access
            }
            entries++;
            if (!token.isFreshAt(now)) {
                stale++;
            }
            oldestStoredAt = Math.min(oldestStoredAt, token.storedAt());
            soonestValidUntil = Math.min(soonestValidUntil, token.validUntil());
        }

        EntryStats result() {
            return entries == 0 ? EMPTY
                    : new EntryStats(entries, stale, Math.max(0, now - oldestStoredAt), soonestValidUntil - now);
        }
    }

    /** The stats of tokens read elsewhere (the clustered tier's, once opened). */
    public static EntryStats ofTokens(Iterable<CachedToken> tokens, long now) {
        Accumulator stats = new Accumulator(now);
        for (CachedToken token : tokens) {
            stats.add(token);
        }
        return stats.result();
    }

    /** The stats of every live entry of an Ehcache cache (heap or clustered), read at scrape time. */
    public static EntryStats of(Iterable<org.ehcache.Cache.Entry<String, CachedToken>> entries, long now) {
        Accumulator stats = new Accumulator(now);
        for (org.ehcache.Cache.Entry<String, CachedToken> entry : entries) {
            stats.add(entry.getValue());
        }
        return stats.result();
    }
}
