package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.ProfileLimits;
import dev.authloopback.loopback.cache.TokenCache;
import dev.authloopback.loopback.cache.TokenExpiryPolicy;
import dev.authloopback.loopback.config.ClusterSettings;
import org.ehcache.CacheManager;
import org.ehcache.clustered.client.config.builders.ClusteredResourcePoolBuilder;
import org.ehcache.clustered.client.config.builders.ClusteredStoreConfigurationBuilder;
import org.ehcache.clustered.client.config.builders.ClusteringServiceConfigurationBuilder;
import org.ehcache.clustered.client.config.builders.TimeoutsBuilder;
import org.ehcache.clustered.common.Consistency;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ExpiryPolicyBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.expiry.ExpiryPolicy;
import org.ehcache.impl.internal.TimeSourceConfiguration;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Ehcache configuration of the clustered tier: one cache manager for {@code cluster-uri}, and
 * per profile three clustered caches, all strongly consistent and failing fast
 * ({@link FailFastResilience}):
 * <ul>
 *   <li>{@code tokens-<profile>}: the tokens, a heap tier over a dedicated pool of
 *       {@code cluster-pool-size} on the server. Ehcache bounds a heap tier by count only (its byte
 *       sizing walks object graphs, is deprecated and breaks on Java 17), so the count is chosen to
 *       keep the bytes bounded: the profile's share of {@code max-cache-bytes} divided by its largest
 *       entry, and never more than {@code max-entries} ({@link #heapEntries});</li>
 *   <li>{@code leases-<profile>}: who is fetching a key, each lease gone at its deadline;</li>
 *   <li>{@code evictions-<profile>}: when a key was last evicted, for {@code min-refresh-interval}.</li>
 * </ul>
 * Every node must build the same configuration: the server refuses a cache whose configuration
 * differs from the one it already holds.
 */
final class ClusterCacheConfigurations {
    /** Leases and eviction marks are a few dozen bytes each; a mebibyte holds thousands. */
    private static final long SMALL_POOL_MIB = 1;
    /** An eviction mark's shortest life, whatever {@code min-refresh-interval} says. */
    private static final Duration MIN_EVICTION_MARK_TTL = Duration.ofSeconds(1);

    private final ClusterSettings settings;
    private final Map<String, ProfileLimits> profiles;
    private final long cacheBytes;
    private final TimeSource timeSource;
    private final ClassLoader classLoader;

    /** @param cacheBytes the web app's {@code max-cache-bytes}, shared equally by the profiles' heap tiers */
    ClusterCacheConfigurations(ClusterSettings settings, Map<String, ProfileLimits> profiles, long cacheBytes,
                               TimeSource timeSource, ClassLoader classLoader) {
        this.settings = settings;
        this.profiles = Map.copyOf(profiles);
        this.cacheBytes = cacheBytes;
        this.timeSource = timeSource;
        this.classLoader = classLoader;
    }

    static String leasesAlias(String profile) {
        return "leases-" + profile;
    }

    static String evictionsAlias(String profile) {
        return "evictions-" + profile;
    }

    /** A manager holding every profile's caches, not initialised yet: {@code init()} connects. */
    CacheManager manager() {
        CacheManagerBuilder<? extends CacheManager> builder = CacheManagerBuilder.newCacheManagerBuilder()
                .using(new TimeSourceConfiguration(timeSource))
                .withClassLoader(classLoader)
                .with(ClusteringServiceConfigurationBuilder.cluster(settings.uri())
                        .timeouts(TimeoutsBuilder.timeouts().read(settings.readTimeout())
                                .write(settings.writeTimeout()).connection(settings.connectionTimeout()))
                        .autoCreate(server -> server.defaultServerResource(settings.resource())));
        long poolMiB = settings.poolBytes() / (1024 * 1024);
        for (Map.Entry<String, ProfileLimits> profile : profiles.entrySet()) {
            String name = profile.getKey();
            ProfileLimits limits = profile.getValue();
            builder = builder
                    .withCache(TokenCache.cacheName(name), clustered(CachedToken.class,
                            ResourcePoolsBuilder.heap(heapEntries(limits)), poolMiB,
                            new TokenExpiryPolicy(timeSource, limits.tti())))
                    .withCache(leasesAlias(name), clustered(Lease.class,
                            ResourcePoolsBuilder.newResourcePoolsBuilder(), SMALL_POOL_MIB, new LeaseExpiry(timeSource)))
                    // A mark only matters for one interval; the rate limit compares times itself.
                    .withCache(evictionsAlias(name), clustered(Long.class,
                            ResourcePoolsBuilder.newResourcePoolsBuilder(), SMALL_POOL_MIB,
                            ExpiryPolicyBuilder.timeToLiveExpiration(
                                    max(limits.minRefreshInterval(), MIN_EVICTION_MARK_TTL))));
        }
        return builder.build(false);
    }

    /**
     * Entries of a profile's heap tier: as many of its largest entries as fit in its share of the
     * budget (at least one), at most {@code max-entries}. Every node computes the same number from
     * the same settings; the heap tier is the node's own, so the server does not check it anyway.
     */
    long heapEntries(ProfileLimits limits) {
        long share = cacheBytes / profiles.size();
        return Math.max(1, Math.min(limits.maxEntries(), share / limits.largestEntryBytes()));
    }

    /** Every profile's caches in an initialised {@link #manager()}, tagged with its connection's generation. */
    Map<String, SharedCaches> caches(CacheManager manager, long generation) {
        Map<String, SharedCaches> caches = new LinkedHashMap<>();
        for (String name : profiles.keySet()) {
            caches.put(name, new SharedCaches(generation,
                    manager.getCache(TokenCache.cacheName(name), String.class, CachedToken.class),
                    manager.getCache(leasesAlias(name), String.class, Lease.class),
                    manager.getCache(evictionsAlias(name), String.class, Long.class)));
        }
        return caches;
    }

    /**
     * One clustered cache of {@code String} keys: the {@code local} tiers (the heap, or none) over a
     * dedicated pool of {@code poolMiB} on the server.
     */
    private <V> CacheConfigurationBuilder<String, V> clustered(Class<V> valueType, ResourcePoolsBuilder local,
                                                               long poolMiB, ExpiryPolicy<? super String, ? super V> expiry) {
        return CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class, valueType,
                        local.with(ClusteredResourcePoolBuilder.clusteredDedicated(settings.resource(), poolMiB,
                                MemoryUnit.MB)))
                .withExpiry(expiry)
                .withResilienceStrategy(new FailFastResilience<>())
                .withService(ClusteredStoreConfigurationBuilder.withConsistency(Consistency.STRONG));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
