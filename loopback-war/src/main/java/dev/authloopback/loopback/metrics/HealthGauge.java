package dev.authloopback.loopback.metrics;

import dev.authloopback.loopback.health.HealthStatus;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.function.Function;

/**
 * {@code loopback_health{profile, status}}: 1 for the profile's current state, 0 for the others,
 * read from the health tracker when scraped, so an alert can fire on "not UP" without polling the
 * JSON health view.
 */
final class HealthGauge implements MultiCollector {
    static final String NAME = "loopback_health";

    private final List<String> profiles;
    private final Function<String, HealthStatus> status;

    HealthGauge(List<String> profiles, Function<String, HealthStatus> status) {
        this.profiles = profiles;
        this.status = status;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(NAME)
                .help("Health of a profile: 1 for its current status (UP, DEGRADED, DOWN), 0 for the others");
        for (String profile : profiles) {
            HealthStatus current = status.apply(profile);
            for (HealthStatus s : HealthStatus.values()) {
                gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(s == current ? 1 : 0)
                        .labels(Labels.of("profile", profile, "status", s.name())).build());
            }
        }
        return MetricSnapshots.of(gauge.build());
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(NAME);
    }
}
