package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.ProfileLimits;
import dev.authloopback.loopback.cache.TokenExpiryPolicy;
import dev.authloopback.loopback.config.ClusterSettings;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.clustered.client.config.builders.ClusteredResourcePoolBuilder;
import org.ehcache.clustered.client.config.builders.ClusteredStoreConfigurationBuilder;
import org.ehcache.clustered.client.config.builders.ClusteringServiceConfigurationBuilder;
import org.ehcache.clustered.client.config.builders.TimeoutsBuilder;
import org.ehcache.clustered.common.Consistency;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
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
 * ({@link FailFastResilience}), their names carrying the value format's version so that nodes of
 * another format never share a cache with these:
 * <ul>
 *   <li>{@code tokens-v2-<profile>}: the tokens, a heap tier over a dedicated pool of
 *       {@code cluster-pool-size} on the server. Ehcache bounds a heap tier by count only (its byte
 *       sizing walks object graphs, is deprecated and breaks on Java 17), so the count is chosen to
 *       keep the bytes bounded: the profile's share of {@code max-cache-bytes} (of
 *       {@code max-exchange-cache-bytes} for an exchange profile) divided by its largest entry, and
 *       never more than {@code max-entries} ({@link #heapEntries});</li>
 *   <li>{@code leases-v2-<profile>}: who is fetching a key, each lease gone at its deadline;</li>
 *   <li>{@code marks-v2-<profile>}: when a key was last evicted (for {@code min-refresh-interval})
 *       and what it may no longer be served (a token stored before the eviction);</li>
 *   <li>{@code subjects-v2-<profile>}, exchange profiles only: by user and by IdP session, the keys
 *       of the entries made from their tokens ({@link SubjectKeys}), so a back-channel logout on
 *       one node evicts what every node stored. Each index goes when its last entry ends.</li>
 * </ul>
 * Keys are entry names ({@link Seal#name}), values {@link ClusterValue}s written and read by
 * {@link SealedSerializer}: nothing read from the server reaches Java deserialization. With
 * {@code cluster-unsealed=true} the caches are {@code tokens-v2-unsealed-<profile>} and so on, so
 * sealed and unsealed nodes never read each other's values.
 * Every node must build the same configuration: the server refuses a cache whose configuration
 * differs from the one it already holds.
 */
final class ClusterCacheConfigurations {
    /** Leases and eviction marks are a few dozen bytes each; a mebibyte holds thousands. */
    private static final long SMALL_POOL_MIB = 1;
    /**
     * A subject's index costs a few hundred bytes per live entry on the server: 4 MiB indexes some
     * thousands of exchanged tokens, what a few nodes' default 8 MiB exchange budgets hold. When full,
     * the server evicts indexes, and a logout then evicts only what the receiving node indexed.
     */
    private static final long SUBJECT_POOL_MIB = PoolRefusal.SUBJECT_POOL_MIB;
    /** An eviction mark's shortest life, whatever {@code min-refresh-interval} says. */
    private static final Duration MIN_EVICTION_MARK_TTL = Duration.ofSeconds(1);
    /** A value that does not open stays visible this long unless a node replaces it first. */
    private static final Duration UNOPENABLE_LIFE = Duration.ofMinutes(1);

    private final ClusterSettings settings;
    private final Map<String, ProfileLimits> profiles;
    private final long cacheBytes;
    private final long exchangeCacheBytes;
    private final TimeSource timeSource;
    private final ClassLoader classLoader;
    private final ClusterKeys keys;

    /**
     * @param cacheBytes         the web app's {@code max-cache-bytes}, shared equally by the heap tiers of
     *                           the profiles that exchange nothing
     * @param exchangeCacheBytes {@code max-exchange-cache-bytes}, shared equally by the exchange profiles'
     */
    ClusterCacheConfigurations(ClusterSettings settings, Map<String, ProfileLimits> profiles, long cacheBytes,
                               long exchangeCacheBytes, TimeSource timeSource, ClassLoader classLoader,
                               ClusterKeys keys) {
        this.settings = settings;
        this.profiles = Map.copyOf(profiles);
        this.cacheBytes = cacheBytes;
        this.exchangeCacheBytes = exchangeCacheBytes;
        this.timeSource = timeSource;
        this.classLoader = classLoader;
        this.keys = keys;
    }

    /** {@code tokens-v2-<profile>} (sealed) or {@code tokens-v2-unsealed-<profile>}. */
    static String tokensAlias(String profile, boolean sealed) {
        return alias("tokens", profile, sealed);
    }

    static String leasesAlias(String profile, boolean sealed) {
        return alias("leases", profile, sealed);
    }

    static String marksAlias(String profile, boolean sealed) {
        return alias("marks", profile, sealed);
    }

    static String subjectsAlias(String profile, boolean sealed) {
        return alias("subjects", profile, sealed);
    }

    private static String alias(String kind, String profile, boolean sealed) {
        return kind + (sealed ? "-v2-" : "-v2-unsealed-") + profile;
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
        boolean sealed = keys.sealed();
        for (Map.Entry<String, ProfileLimits> profile : profiles.entrySet()) {
            String name = profile.getKey();
            ProfileLimits limits = profile.getValue();
            Duration markLife = max(limits.minRefreshInterval(), MIN_EVICTION_MARK_TTL);
            builder = builder
                    .withCache(tokensAlias(name, sealed), clustered(tokensAlias(name, sealed), ValueCodec.TOKENS,
                            ResourcePoolsBuilder.heap(heapEntries(limits)), poolMiB,
                            new TokenExpiryPolicy(timeSource, limits.tti())))
                    .withCache(leasesAlias(name, sealed), clustered(leasesAlias(name, sealed), ValueCodec.LEASES,
                            ResourcePoolsBuilder.newResourcePoolsBuilder(), SMALL_POOL_MIB, new DeadlineExpiry<>(timeSource, Lease::deadline)))
                    .withCache(marksAlias(name, sealed), clustered(marksAlias(name, sealed), ValueCodec.MARKS,
                            ResourcePoolsBuilder.newResourcePoolsBuilder(), SMALL_POOL_MIB,
                            new MarkExpiry(timeSource, markLife)));
            if (limits.exchange()) {
                builder = builder.withCache(subjectsAlias(name, sealed), clustered(subjectsAlias(name, sealed),
                        ValueCodec.SUBJECTS, ResourcePoolsBuilder.newResourcePoolsBuilder(), SUBJECT_POOL_MIB,
                        new DeadlineExpiry<>(timeSource, SubjectKeys::endsAt)));
            }
        }
        return builder.build(false);
    }

    /**
     * Entries of a profile's heap tier: as many of its largest entries as fit in its share of its
     * budget (at least one), at most {@code max-entries}. The budgets are those of the node's own heap
     * cache ({@code WeightLedger}): exchange profiles share {@code max-exchange-cache-bytes}, the others
     * {@code max-cache-bytes}. Every node computes the same number from the same settings; the heap
     * tier is the node's own, so the server does not check it anyway.
     */
    long heapEntries(ProfileLimits limits) {
        long sharing = profiles.values().stream().filter(p -> p.exchange() == limits.exchange()).count();
        long share = (limits.exchange() ? exchangeCacheBytes : cacheBytes) / sharing;
        return Math.max(1, Math.min(limits.maxEntries(), share / limits.largestEntryBytes()));
    }

    /** Every profile's caches in an initialised {@link #manager()}, tagged with its connection's generation. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    Map<String, SharedCaches> caches(CacheManager manager, long generation) {
        Map<String, SharedCaches> caches = new LinkedHashMap<>();
        boolean sealed = keys.sealed();
        for (String name : profiles.keySet()) {
            boolean indexed = profiles.get(name).exchange();
            SharedCaches.Names names = new SharedCaches.Names(tokensAlias(name, sealed), leasesAlias(name, sealed),
                    marksAlias(name, sealed), indexed ? subjectsAlias(name, sealed) : null);
            caches.put(name, new SharedCaches(generation,
                    (Cache) manager.getCache(names.tokens(), String.class, ClusterValue.class),
                    (Cache) manager.getCache(names.leases(), String.class, ClusterValue.class),
                    (Cache) manager.getCache(names.marks(), String.class, ClusterValue.class),
                    indexed ? (Cache) manager.getCache(names.subjects(), String.class, ClusterValue.class) : null,
                    names));
        }
        return caches;
    }

    /**
     * One clustered cache of entry names: the {@code local} tiers (the heap, or none) over a
     * dedicated pool of {@code poolMiB} on the server, its values sealed for {@code alias}.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private <V> CacheConfigurationBuilder<String, ClusterValue> clustered(String alias, ValueCodec<V> codec,
            ResourcePoolsBuilder local, long poolMiB, ExpiryPolicy<String, V> expiry) {
        Class<ClusterValue<V>> type = (Class) ClusterValue.class;
        CacheConfigurationBuilder<String, ClusterValue<V>> builder = CacheConfigurationBuilder
                .newCacheConfigurationBuilder(String.class, type,
                        local.with(ClusteredResourcePoolBuilder.clusteredDedicated(settings.resource(), poolMiB,
                                MemoryUnit.MB)))
                .withKeySerializer(new NameSerializer())
                .withValueSerializer(new SealedSerializer<>(keys, alias, codec))
                .withExpiry(new ClusterValueExpiry<>(expiry, UNOPENABLE_LIFE))
                .withResilienceStrategy(new FailFastResilience<>())
                .withService(ClusteredStoreConfigurationBuilder.withConsistency(Consistency.STRONG));
        return (CacheConfigurationBuilder) builder;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
