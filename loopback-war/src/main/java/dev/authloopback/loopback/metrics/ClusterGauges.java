package dev.authloopback.loopback.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The clustered tier as this node sees it, read when scraped: {@code loopback_cluster_connected}
 * (1 while shared, 0 while serving from the local heap only) and how often the node left and
 * rejoined the cluster. Registered only when {@code cluster-uri} is set.
 */
final class ClusterGauges implements MultiCollector {
    static final String CONNECTED = "loopback_cluster_connected";
    static final String FAILOVERS = "loopback_cluster_failovers";
    static final String REJOINS = "loopback_cluster_rejoins";

    private final BooleanSupplier connected;
    private final LongSupplier failovers;
    private final LongSupplier rejoins;

    ClusterGauges(BooleanSupplier connected, LongSupplier failovers, LongSupplier rejoins) {
        this.connected = connected;
        this.failovers = failovers;
        this.rejoins = rejoins;
    }

    @Override
    public MetricSnapshots collect() {
        return MetricSnapshots.of(
                GaugeSnapshot.builder().name(CONNECTED)
                        .help("1 while this node shares the clustered tier, 0 while it caches in its own heap only")
                        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                                .value(connected.getAsBoolean() ? 1 : 0).labels(Labels.EMPTY).build())
                        .build(),
                CounterSnapshot.builder().name(FAILOVERS)
                        .help("Times this node found the cluster unreachable and switched to its local heap cache")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                                .value(failovers.getAsLong()).labels(Labels.EMPTY).build())
                        .build(),
                CounterSnapshot.builder().name(REJOINS)
                        .help("Times this node rebuilt its clustered tier after an outage and shared again")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                                .value(rejoins.getAsLong()).labels(Labels.EMPTY).build())
                        .build());
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(CONNECTED, FAILOVERS, REJOINS);
    }
}
