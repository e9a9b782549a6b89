package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.loopback.health.HealthCheck;
import dev.authloopback.loopback.health.HealthStatus;

import java.time.Clock;
import java.util.function.Supplier;

/**
 * The {@code cache-tier} health check of a clustered node: UP while it shares, DEGRADED (never DOWN)
 * while it serves from its own heap, because every request is still answered; only the sharing is
 * lost.
 */
final class ClusterHealthCheck {
    private final ClusterSettings settings;
    private final String node;
    private final Clock clock;
    private final Supplier<String> seal;

    ClusterHealthCheck(ClusterSettings settings, String node, Clock clock, Supplier<String> seal) {
        this.settings = settings;
        this.node = node;
        this.clock = clock;
        this.seal = seal;
    }

    /**
     * @param outage    the tier's outage, or {@code null}
     * @param connected whether the tier has a live connection
     */
    HealthCheck check(Outage outage, boolean connected) {
        if (outage == null && connected) {
            return new HealthCheck("cache-tier", HealthStatus.UP, "ok", "clustered (" + settings.uri()
                    + ") over this node's heap tier; node " + node + "; " + seal.get());
        }
        Outage shown = outage != null ? outage : new Outage(clock.instant(), "not connected");
        return new HealthCheck("cache-tier", HealthStatus.DEGRADED, "cluster_unreachable", settings.uri()
                + " unreachable since " + shown.since() + " (" + shown.reason() + "); tokens are cached in this"
                + " node's heap only, retrying every " + settings.retryInterval());
    }
}
