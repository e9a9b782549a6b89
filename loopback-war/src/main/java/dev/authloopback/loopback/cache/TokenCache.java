package dev.authloopback.loopback.cache;

import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.impl.internal.TimeSourceConfiguration;

import java.time.Duration;
import java.util.Map;

/**
 * The Ehcache 3 caches of all profiles: one cache manager for the web app, one cache per profile.
 * Created in {@code contextInitialized}, closed in {@code contextDestroyed}.
 */
public final class TokenCache implements AutoCloseable {
    private final CacheManager manager;

    /** @param profiles profile name → (max entries, tti) */
    public TokenCache(TimeSource timeSource, Map<String, Limits> profiles) {
        CacheManagerBuilder<CacheManager> builder = CacheManagerBuilder.newCacheManagerBuilder()
                .using(new TimeSourceConfiguration(timeSource));
        for (Map.Entry<String, Limits> profile : profiles.entrySet()) {
            builder = builder.withCache(cacheName(profile.getKey()),
                    CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class, CachedToken.class,
                                    ResourcePoolsBuilder.heap(profile.getValue().maxEntries()))
                            .withExpiry(new TokenExpiryPolicy(timeSource, profile.getValue().tti())));
        }
        this.manager = builder.build(true);
    }

    /** Size and idle limit of one profile's cache. */
    public record Limits(long maxEntries, Duration tti) {
    }

    public ProfileCache forProfile(String profile) {
        Cache<String, CachedToken> cache = manager.getCache(cacheName(profile), String.class, CachedToken.class);
        if (cache == null) {
            throw new IllegalArgumentException("no cache for profile " + profile);
        }
        return new ProfileCache(cache);
    }

    private static String cacheName(String profile) {
        return "tokens-" + profile;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** One profile's entries. */
    public static final class ProfileCache {
        private final Cache<String, CachedToken> cache;

        ProfileCache(Cache<String, CachedToken> cache) {
            this.cache = cache;
        }

        public CachedToken get(String key) {
            return cache.get(key);
        }

        public void put(String key, CachedToken token) {
            cache.put(key, token);
        }

        /** Removes the entry only if it still is {@code expected}: a late eviction never drops a newer token. */
        public boolean remove(String key, CachedToken expected) {
            return cache.remove(key, expected);
        }

        public void clear() {
            cache.clear();
        }

        /** Every live entry, read at scrape time for the entry gauges; never on the request path. */
        public EntryStats stats(long now) {
            EntryStats.Accumulator stats = new EntryStats.Accumulator(now);
            for (Cache.Entry<String, CachedToken> entry : cache) {
                stats.add(entry.getValue());
            }
            return stats.result();
        }

        public long size() {
            long n = 0;
            for (Cache.Entry<String, CachedToken> ignored : cache) {
                n++;
            }
            return n;
        }
    }
}
