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
    private final Map<String, Limits> limits;

    /** @param profiles profile name → (max entries, tti) */
    public TokenCache(TimeSource timeSource, Map<String, Limits> profiles) {
        this.limits = Map.copyOf(profiles);
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

    public LocalTokenStore forProfile(String profile) {
        Cache<String, CachedToken> cache = manager.getCache(cacheName(profile), String.class, CachedToken.class);
        if (cache == null) {
            throw new IllegalArgumentException("no cache for profile " + profile);
        }
        return new LocalTokenStore(cache, limits.get(profile).maxEntries());
    }

    static String cacheName(String profile) {
        return "tokens-" + profile;
    }

    @Override
    public void close() {
        manager.close();
    }
}
