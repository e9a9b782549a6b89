package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.ClockTimeSource;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.ProfileLimits;
import dev.authloopback.loopback.cache.TokenExpiryPolicy;
import dev.authloopback.loopback.config.ClusterSettings;
import org.ehcache.CacheManager;
import org.ehcache.clustered.client.config.ClusteredResourceType;
import org.ehcache.clustered.client.config.ClusteredStoreConfiguration;
import org.ehcache.clustered.client.config.DedicatedClusteredResourcePool;
import org.ehcache.clustered.common.Consistency;
import org.ehcache.config.CacheConfiguration;
import org.ehcache.config.ResourceType;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.expiry.ExpiryPolicy;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The configuration every node must agree on, read back without connecting (a manager that is not initialised). */
class ClusterCacheConfigurationsTest {
    private final ClusterSettings settings = new ClusterSettings(URI.create("terracotta://127.0.0.1:9410/auth-loopback"),
            "main", 8L << 20, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5));
    private final ClusterCacheConfigurations configurations = new ClusterCacheConfigurations(settings,
            Map.of("default", new ProfileLimits(100, Duration.ofHours(1), Duration.ofMillis(200)),
                    "partner", new ProfileLimits(7, Duration.ofMinutes(5), Duration.ofSeconds(30))),
            16L << 20, new ClockTimeSource(Clock.systemUTC()), getClass().getClassLoader());

    @Test
    void eachProfileHasATokensALeasesAndAnEvictionsCache() {
        CacheManager manager = configurations.manager();

        assertEquals(Set.of("tokens-default", "leases-default", "evictions-default",
                        "tokens-partner", "leases-partner", "evictions-partner"),
                manager.getRuntimeConfiguration().getCacheConfigurations().keySet());
    }

    @Test
    void tokensSitOnAHeapOfMaxEntriesOverTheConfiguredPoolLeasesAndMarksOnASmallPoolOnly() {
        Map<String, CacheConfiguration<?, ?>> caches = configurations.manager().getRuntimeConfiguration()
                .getCacheConfigurations();

        CacheConfiguration<?, ?> tokens = caches.get("tokens-partner");
        assertEquals(CachedToken.class, tokens.getValueType());
        assertEquals(7, tokens.getResourcePools().getPoolForResource(ResourceType.Core.HEAP).getSize());
        assertDedicated(tokens, 8);
        assertInstanceOf(TokenExpiryPolicy.class, tokens.getExpiryPolicy());

        CacheConfiguration<?, ?> leases = caches.get("leases-partner");
        assertEquals(Lease.class, leases.getValueType());
        assertNull(leases.getResourcePools().getPoolForResource(ResourceType.Core.HEAP));
        assertDedicated(leases, 1);
        assertInstanceOf(LeaseExpiry.class, leases.getExpiryPolicy());

        CacheConfiguration<?, ?> evictions = caches.get("evictions-partner");
        assertEquals(Long.class, evictions.getValueType());
        assertNull(evictions.getResourcePools().getPoolForResource(ResourceType.Core.HEAP));
        assertDedicated(evictions, 1);
    }

    @Test
    void anEvictionMarkLivesForTheMinRefreshIntervalButNeverLessThanASecond() {
        Map<String, CacheConfiguration<?, ?>> caches = configurations.manager().getRuntimeConfiguration()
                .getCacheConfigurations();

        assertEquals(Duration.ofSeconds(30), ttl(caches.get("evictions-partner")));
        assertEquals(Duration.ofSeconds(1), ttl(caches.get("evictions-default")));
    }

    @SuppressWarnings("unchecked")
    private static Duration ttl(CacheConfiguration<?, ?> cache) {
        return ((ExpiryPolicy<String, Long>) cache.getExpiryPolicy()).getExpiryForCreation("k", 1L);
    }

    private static void assertDedicated(CacheConfiguration<?, ?> cache, long mib) {
        DedicatedClusteredResourcePool pool = (DedicatedClusteredResourcePool)
                cache.getResourcePools().getPoolForResource(ClusteredResourceType.Types.DEDICATED);
        assertEquals("main", pool.getFromResource());
        assertEquals(mib, pool.getSize());
        assertEquals(MemoryUnit.MB, pool.getUnit());
        ClusteredStoreConfiguration store = cache.getServiceConfigurations().stream()
                .filter(ClusteredStoreConfiguration.class::isInstance).map(ClusteredStoreConfiguration.class::cast)
                .findFirst().orElseThrow();
        assertEquals(Consistency.STRONG, store.getConsistency());
    }
}
