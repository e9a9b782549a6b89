package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.loopback.health.HealthCheck;
import dev.authloopback.loopback.health.HealthStatus;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterHealthCheckTest {
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");
    private static final URI CLUSTER = URI.create("terracotta://127.0.0.1:9410/auth-loopback");
    private final ClusterHealthCheck health = new ClusterHealthCheck(new ClusterSettings(CLUSTER, "main", 8L << 20,
            Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)), "node-a",
            Clock.fixed(NOW, ZoneOffset.UTC), () -> "sealed (AES-256-GCM), sealing with key k2, opening k2, k1");

    @Test
    void connectedWithoutAnOutageIsUpAndNamesTheClusterAndTheNode() {
        HealthCheck check = health.check(null, true);

        assertEquals("cache-tier", check.name(), check.toString());
        assertEquals(HealthStatus.UP, check.status(), check.toString());
        assertEquals("ok", check.reason(), check.toString());
        assertTrue(check.detail().contains(CLUSTER.toString()) && check.detail().contains("node node-a")
                && check.detail().endsWith("sealing with key k2, opening k2, k1"), check.toString());
    }

    @Test
    void anOutageIsDegradedNeverDownWithItsStartAndReason() {
        Instant since = NOW.minusSeconds(30);
        HealthCheck check = health.check(new Outage(since, "ConnectException: Connection refused"), false);

        assertEquals(HealthStatus.DEGRADED, check.status(), check.toString());
        assertEquals("cluster_unreachable", check.reason(), check.toString());
        assertTrue(check.detail().contains("unreachable since " + since + " (ConnectException: Connection refused)")
                && check.detail().contains("retrying every PT5S"), check.toString());
    }

    @Test
    void notConnectedWithoutAnOutageIsDegradedAsNotConnectedNow() {
        HealthCheck check = health.check(null, false);

        assertEquals(HealthStatus.DEGRADED, check.status(), check.toString());
        assertTrue(check.detail().contains("unreachable since " + NOW + " (not connected)"), check.toString());
    }
}
