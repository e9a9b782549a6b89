package dev.authloopback.loopback.cache;

import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheEventListenerConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.event.EventType;
import org.ehcache.impl.internal.TimeSourceConfiguration;

import java.util.Map;
import java.util.Set;

/**
 * The Ehcache 3 caches of all profiles: one cache manager for the web app, one cache per profile,
 * and the byte budgets of their entries ({@link WeightLedger}: {@code max-cache-bytes}, and
 * {@code max-exchange-cache-bytes} for the exchange profiles). Each cache holds at most
 * {@code max-entries}; together they hold at most the budgets in bytes. Created in
 * {@code contextInitialized}, closed in {@code contextDestroyed}.
 */
public final class TokenCache implements AutoCloseable {
    private final CacheManager manager;
    private final Map<String, ProfileLimits> limits;
    private final WeightLedger ledger;

    /**
     * @param profiles   profile name → its limits (the heap cache uses max entries and tti)
     * @param cacheBytes the byte budget of every profile's entries together
     */
    public TokenCache(TimeSource timeSource, Map<String, ProfileLimits> profiles, long cacheBytes) {
        this(timeSource, profiles, cacheBytes, 0, Set.of());
    }

    /**
     * @param exchangeCacheBytes the byte budget of the exchange profiles' entries together
     * @param exchangeProfiles   the profiles (of {@code profiles}) held to {@code exchangeCacheBytes}
     */
    public TokenCache(TimeSource timeSource, Map<String, ProfileLimits> profiles, long cacheBytes,
                      long exchangeCacheBytes, Set<String> exchangeProfiles) {
        this.limits = Map.copyOf(profiles);
        this.ledger = new WeightLedger(cacheBytes, exchangeCacheBytes, exchangeProfiles, timeSource);
        CacheManagerBuilder<CacheManager> builder = CacheManagerBuilder.newCacheManagerBuilder()
                .using(new TimeSourceConfiguration(timeSource));
        for (Map.Entry<String, ProfileLimits> profile : profiles.entrySet()) {
            builder = builder.withCache(cacheName(profile.getKey()),
                    CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class, CachedToken.class,
                                    ResourcePoolsBuilder.heap(profile.getValue().maxEntries()))
                            .withExpiry(new TokenExpiryPolicy(timeSource, profile.getValue().tti()))
                            // Only events that take entries out: the ledger records what store() puts.
                            .withService(CacheEventListenerConfigurationBuilder
                                    .newEventListenerConfiguration(ledger.listenerFor(profile.getKey()),
                                            EventType.UPDATED, EventType.REMOVED,
                                            EventType.EXPIRED, EventType.EVICTED)
                                    .synchronous().ordered()));
        }
        this.manager = builder.build(true);
        for (String profile : profiles.keySet()) {
            ledger.attach(profile, manager.getCache(cacheName(profile), String.class, CachedToken.class));
        }
    }

    /** The byte budgets of the profiles' stores, and what they hold. */
    public WeightLedger ledger() {
        return ledger;
    }

    public LocalTokenStore forProfile(String profile) {
        Cache<String, CachedToken> cache = manager.getCache(cacheName(profile), String.class, CachedToken.class);
        if (cache == null) {
            throw new IllegalArgumentException("no cache for profile " + profile);
        }
        return new LocalTokenStore(profile, cache, limits.get(profile).maxEntries(), ledger);
    }

    /**
     * The alias of a profile's token cache, on the heap and in the clustered tier alike; operators
     * see it in Ehcache's "Cache 'tokens-default' created" line.
     */
    public static String cacheName(String profile) {
        return "tokens-" + profile;
    }

    @Override
    public void close() {
        manager.close();
    }
}
