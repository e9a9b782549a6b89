package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.ClockTimeSource;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.ProfileLimits;
import dev.authloopback.loopback.cache.TokenCache;
import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.loopback.health.HealthCheck;
import dev.authloopback.loopback.health.HealthStatus;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node whose Terracotta server is not there at start-up (a port nobody listens on): it still
 * starts, on its own heap, and says so. The shared behaviour is proven against a real server in
 * it-tests' ClusterIT.
 */
class ClusterTierTest {

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aServerThatIsDownAtStartLeavesTheNodeOnItsHeapDegradedWithTheReason() throws IOException {
        Clock clock = Clock.systemUTC();
        ClockTimeSource time = new ClockTimeSource(clock);
        URI uri = URI.create("terracotta://127.0.0.1:" + closedPort() + "/auth-loopback");
        ClusterSettings settings = new ClusterSettings(uri, "main", 8L << 20, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofHours(1));
        Map<String, ProfileLimits> limits =
                Map.of("default", new ProfileLimits(100, Duration.ofHours(1), Duration.ofSeconds(5)));
        try (TokenCache heap = new TokenCache(time, limits, 16L << 20);
             ClusterTier tier = new ClusterTier(settings, limits, 16L << 20, 8L << 20, time, clock, "test-node")) {
            ClusteredTokenStore store = tier.store("default", heap.forProfile("default"));

            assertFalse(tier.connected());
            assertFalse(store.shared());
            HealthCheck check = tier.check();
            assertEquals(HealthStatus.DEGRADED, check.status(), check.toString());
            assertEquals("cluster_unreachable", check.reason(), check.toString());
            assertTrue(check.detail().contains(uri.toString()) && check.detail().contains("this node's heap only"),
                    check.toString());

            long now = clock.millis();
            CachedToken token = new CachedToken(200, "application/json",
                    "{\"access_token\":\"t\"}".getBytes(StandardCharsets.UTF_8), "digest", "etag", now, now + 60_000,
                    now + 120_000, now + 50_000);
            store.put("k", token);
            assertEquals(token, store.get("k"));
            Lease mine = new Lease("test-node", 1, now + 3_000);
            assertSame(mine, store.lease("k", mine), "with nobody to share with, the lease is always this node's");
            assertTrue(store.claimEviction("k", now, 5_000));
            assertFalse(store.claimEviction("k", now + 1_000, 5_000), "the rate limit holds on the heap as well");
            assertTrue(store.remove("k", token));
            assertEquals(0, store.size());
            assertEquals(0, tier.failovers());
        }
    }
}
