package dev.authloopback.loopback.config;

/**
 * How much heap the web app may use for tokens, one set for all its profiles (never per profile):
 * the cache's byte budgets (service tokens, and exchanged user tokens apart) and the cap on bytes in
 * flight. Both are counted exactly, never estimated
 * by walking object graphs (docs/operations.md "Memory").
 *
 * @param maxCacheBytes    budget of every profile's cached entries together but the exchange
 *                         profiles' ({@code max-cache-bytes}); an entry weighs {@link #entryWeight}
 * @param maxBytesInFlight request bodies still arriving plus upstream answers being received and
 *                         written back ({@code max-bytes-in-flight}); past it, 503 {@code busy}
 * @param maxExchangeCacheBytes budget of the exchange profiles' entries together
 *                         ({@code max-exchange-cache-bytes}), on top of {@code max-cache-bytes}
 */
public record MemorySettings(long maxCacheBytes, long maxBytesInFlight, long maxExchangeCacheBytes) {

    /**
     * 16 MiB: about 11,000 entries of a typical 800-byte token answer, or 240 of the largest one
     * ({@code max-response-bytes}, 64 KiB), a fraction of a 128 MB heap shared with business apps.
     */
    public static final long DEFAULT_MAX_CACHE_BYTES = 16L * 1024 * 1024;
    /**
     * 8 MiB, apart from {@code max-cache-bytes}: exchange entries are one per active user token, so
     * their number follows the users, not the configuration; a budget of their own keeps a flood of
     * users from evicting the service tokens. An exchange entry weighs about 1.9 KB (a ~1.2 KB answer,
     * key, digest and overhead), so 8 MiB holds about 4,400 user tokens, some 17 MB of real heap at
     * the measured 3,900 bytes per entry (docs/on-behalf-of.md "Memory and hit ratio").
     */
    public static final long DEFAULT_MAX_EXCHANGE_CACHE_BYTES = 8L * 1024 * 1024;
    /** 16 MiB: 256 concurrent upstream answers of the largest size, far more of a real token answer's. */
    public static final long DEFAULT_MAX_BYTES_IN_FLIGHT = 16L * 1024 * 1024;

    /**
     * What one cached entry costs besides its body and strings, on a 64-bit JVM with compressed
     * references: Ehcache's map node and value holder, the {@code CachedToken} object, the headers of
     * its byte array and five strings, and the ledger's own record of the entry (a map node and a
     * skip-list node). Measured at about 490 bytes: the benchmark's heap row found 1,440 bytes of live
     * heap per entry for a 786-byte answer, a 64-character key and about 100 characters of content
     * type, digest and ETag (1,317 bytes before the ledger); rounded up, so an entry's weight is a
     * little above its real cost.
     */
    public static final long ENTRY_OVERHEAD_BYTES = 512;
    /** Room for a key when sizing by the largest entry: a digest key has 64 characters, a template key rarely 1,000. */
    public static final long KEY_ALLOWANCE_BYTES = 1024;

    public static MemorySettings defaults() {
        return new MemorySettings(DEFAULT_MAX_CACHE_BYTES, DEFAULT_MAX_BYTES_IN_FLIGHT, DEFAULT_MAX_EXCHANGE_CACHE_BYTES);
    }

    /**
     * The weight of one entry: its body, key, content type, request digest and ETag (one byte per
     * character: all of them are ASCII) plus {@link #ENTRY_OVERHEAD_BYTES}.
     */
    public static long entryWeight(int bodyBytes, int... stringLengths) {
        long weight = ENTRY_OVERHEAD_BYTES + bodyBytes;
        for (int length : stringLengths) {
            weight += length;
        }
        return weight;
    }

    /** The heaviest entry a profile can store: the largest answer, a generous key and the overhead. */
    public static long largestEntry(LoopbackSettings profile) {
        return profile.maxResponseBytes() + KEY_ALLOWANCE_BYTES + ENTRY_OVERHEAD_BYTES;
    }

    public String describe() {
        return SettingNames.MAX_CACHE_BYTES + "=" + maxCacheBytes + " " + SettingNames.MAX_EXCHANGE_CACHE_BYTES + "="
                + maxExchangeCacheBytes + " " + SettingNames.MAX_BYTES_IN_FLIGHT + "=" + maxBytesInFlight;
    }
}
