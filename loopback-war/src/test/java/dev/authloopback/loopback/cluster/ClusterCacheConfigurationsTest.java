package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.ClockTimeSource;
import dev.authloopback.loopback.cache.ProfileLimits;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configuration every node must agree on, read back without connecting (a manager that is not initialised). */
class ClusterCacheConfigurationsTest {
    private final ClusterSettings settings = new ClusterSettings(URI.create("terracotta://127.0.0.1:9410/auth-loopback"),
            "main", 8L << 20, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5));
    private final ClusterCacheConfigurations configurations = new ClusterCacheConfigurations(settings,
            Map.of("default", new ProfileLimits(100, Duration.ofHours(1), Duration.ofMillis(200)),
                    "partner", new ProfileLimits(7, Duration.ofMinutes(5), Duration.ofSeconds(30))),
            16L << 20, 8L << 20, new ClockTimeSource(Clock.systemUTC()), getClass().getClassLoader(), new ClusterKeys(settings));

    @Test
    void eachProfileHasATokensALeasesAndAMarksCacheNamedWithTheFormatVersion() {
        CacheManager manager = configurations.manager();

        // These settings are unsealed (no key file): their caches are never shared with sealed nodes.
        assertEquals(Set.of("tokens-v2-unsealed-default", "leases-v2-unsealed-default", "marks-v2-unsealed-default",
                        "tokens-v2-unsealed-partner", "leases-v2-unsealed-partner", "marks-v2-unsealed-partner"),
                manager.getRuntimeConfiguration().getCacheConfigurations().keySet());
        assertEquals("tokens-v2-partner", ClusterCacheConfigurations.tokensAlias("partner", true));
        assertEquals("marks-v2-partner", ClusterCacheConfigurations.marksAlias("partner", true));
    }

    @Test
    void valuesAreWrittenBySealedSerializersNeverByJavaSerialization() {
        for (CacheConfiguration<?, ?> cache : configurations.manager().getRuntimeConfiguration()
                .getCacheConfigurations().values()) {
            assertEquals(ClusterValue.class, cache.getValueType());
            assertEquals(String.class, cache.getKeyType());
            org.ehcache.impl.config.serializer.DefaultSerializerConfiguration<?> value = cache
                    .getServiceConfigurations().stream()
                    .filter(org.ehcache.impl.config.serializer.DefaultSerializerConfiguration.class::isInstance)
                    .map(c -> (org.ehcache.impl.config.serializer.DefaultSerializerConfiguration<?>) c)
                    .filter(c -> c.getType() == org.ehcache.impl.config.serializer.DefaultSerializerConfiguration
                            .Type.VALUE)
                    .findFirst().orElseThrow();
            assertInstanceOf(SealedSerializer.class, value.getInstance());
        }
    }

    @Test
    void tokensSitOnAHeapOfMaxEntriesOverTheConfiguredPoolLeasesAndMarksOnASmallPoolOnly() {
        Map<String, CacheConfiguration<?, ?>> caches = configurations.manager().getRuntimeConfiguration()
                .getCacheConfigurations();

        CacheConfiguration<?, ?> tokens = caches.get("tokens-v2-unsealed-partner");
        assertEquals(7, tokens.getResourcePools().getPoolForResource(ResourceType.Core.HEAP).getSize());
        assertDedicated(tokens, 8);
        assertInstanceOf(ClusterValueExpiry.class, tokens.getExpiryPolicy());

        CacheConfiguration<?, ?> leases = caches.get("leases-v2-unsealed-partner");
        assertNull(leases.getResourcePools().getPoolForResource(ResourceType.Core.HEAP));
        assertDedicated(leases, 1);
        assertInstanceOf(ClusterValueExpiry.class, leases.getExpiryPolicy());

        CacheConfiguration<?, ?> evictions = caches.get("marks-v2-unsealed-partner");
        assertNull(evictions.getResourcePools().getPoolForResource(ResourceType.Core.HEAP));
        assertDedicated(evictions, 1);
    }

    @Test
    void anEvictionMarkLivesForTheMinRefreshIntervalButNeverLessThanASecondAndAsLongAsItsNotBeforeMatters() {
        Map<String, CacheConfiguration<?, ?>> caches = configurations.manager().getRuntimeConfiguration()
                .getCacheConfigurations();
        long now = System.currentTimeMillis();

        assertEquals(Duration.ofSeconds(30), ttl(caches.get("marks-v2-unsealed-partner"), new Mark(now, 0, 0)));
        assertEquals(Duration.ofSeconds(1), ttl(caches.get("marks-v2-unsealed-default"), new Mark(now, 0, 0)));
        Duration notBefore = ttl(caches.get("marks-v2-unsealed-default"), new Mark(now, now, now + 3_600_000));
        assertTrue(notBefore.compareTo(Duration.ofMinutes(59)) > 0, notBefore::toString);
        assertEquals(ExpiryPolicy.INFINITE, ttl(caches.get("marks-v2-unsealed-default"),
                new Mark(now, now, Long.MAX_VALUE)), "the evict-all mark stays");
        // A mark that does not open is kept only so long that a node sees (and replaces) it.
        assertEquals(Duration.ofMinutes(1), ((ExpiryPolicy<String, ClusterValue<Mark>>) (ExpiryPolicy<?, ?>)
                caches.get("marks-v2-unsealed-default").getExpiryPolicy())
                .getExpiryForCreation("k", ClusterValue.unopenable(new byte[] {1}, Refusal.TAMPERED)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void anExchangeProfileAloneHasASubjectIndexOnItsOwnPoolLivingUntilItsLastEntryEnds() {
        ClusterCacheConfigurations withExchange = new ClusterCacheConfigurations(settings,
                Map.of("default", new ProfileLimits(100, Duration.ofHours(1), Duration.ofMillis(200)),
                        "obo", new ProfileLimits(100, Duration.ofHours(1), Duration.ofMillis(200), 4096, true)),
                16L << 20, 8L << 20, new ClockTimeSource(Clock.systemUTC()), getClass().getClassLoader(), new ClusterKeys(settings));
        Map<String, CacheConfiguration<?, ?>> caches = withExchange.manager().getRuntimeConfiguration()
                .getCacheConfigurations();

        assertTrue(caches.containsKey("subjects-v2-unsealed-obo"), caches.keySet()::toString);
        assertFalse(caches.containsKey("subjects-v2-unsealed-default"), caches.keySet()::toString);
        CacheConfiguration<?, ?> subjects = caches.get("subjects-v2-unsealed-obo");
        assertNull(subjects.getResourcePools().getPoolForResource(ResourceType.Core.HEAP));
        assertDedicated(subjects, 4);
        long now = System.currentTimeMillis();
        SubjectKeys index = SubjectKeys.NONE.with("k1", now + 60_000, now).with("k2", now + 600_000, now);
        Duration life = ((ExpiryPolicy<String, ClusterValue<SubjectKeys>>) (ExpiryPolicy<?, ?>) subjects.getExpiryPolicy())
                .getExpiryForCreation("s", ClusterValue.of("s", index));
        assertTrue(life.compareTo(Duration.ofSeconds(590)) > 0 && life.compareTo(Duration.ofSeconds(600)) <= 0,
                life::toString);
    }

    @Test
    void anExchangeProfilesHeapTierIsSizedFromTheExchangeBudgetTheOthersShareMaxCacheBytes() {
        ProfileLimits service = new ProfileLimits(1_000_000, Duration.ofHours(1), Duration.ofSeconds(1), 4096);
        ProfileLimits exchange = new ProfileLimits(1_000_000, Duration.ofHours(1), Duration.ofSeconds(1), 4096, true);
        ClusterCacheConfigurations sized = new ClusterCacheConfigurations(settings,
                Map.of("default", service, "partner", service, "obo", exchange), 16L << 20, 4L << 20,
                new ClockTimeSource(Clock.systemUTC()), getClass().getClassLoader(), new ClusterKeys(settings));

        assertEquals((16L << 20) / 2 / 4096, sized.heapEntries(service), "max-cache-bytes, shared by the two");
        assertEquals((4L << 20) / 4096, sized.heapEntries(exchange), "max-exchange-cache-bytes, its own");
    }

    @SuppressWarnings("unchecked")
    private static Duration ttl(CacheConfiguration<?, ?> cache, Mark mark) {
        return ((ExpiryPolicy<String, ClusterValue<Mark>>) cache.getExpiryPolicy())
                .getExpiryForCreation("k", ClusterValue.of("k", mark));
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
