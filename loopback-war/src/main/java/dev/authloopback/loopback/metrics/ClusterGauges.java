package dev.authloopback.loopback.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The clustered tier as this node sees it, read when scraped: {@code loopback_cluster_connected}
 * (1 while shared, 0 while serving from the local heap only) and how often the node left and
 * rejoined the cluster, and {@code loopback_cluster_unopenable_total{cache,reason}}: values read
 * from the cluster that this node did not use. Registered only when {@code cluster-uri} is set.
 */
final class ClusterGauges implements MultiCollector {
    static final String CONNECTED = "loopback_cluster_connected";
    static final String FAILOVERS = "loopback_cluster_failovers";
    static final String REJOINS = "loopback_cluster_rejoins";
    static final String UNOPENABLE = "loopback_cluster_unopenable";

    private final BooleanSupplier connected;
    private final LongSupplier failovers;
    private final LongSupplier rejoins;
    private final Supplier<Map<String, Map<String, Long>>> refused;

    ClusterGauges(BooleanSupplier connected, LongSupplier failovers, LongSupplier rejoins,
                  Supplier<Map<String, Map<String, Long>>> refused) {
        this.connected = connected;
        this.failovers = failovers;
        this.rejoins = rejoins;
        this.refused = refused;
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
                        .build(),
                unopenable());
    }

    /**
     * Values read from the cluster and not used (each also absent to the caller): every cache with
     * a zero for "tampered" even before the first, so alerts have a series to watch.
     */
    private CounterSnapshot unopenable() {
        CounterSnapshot.Builder builder = CounterSnapshot.builder().name(UNOPENABLE)
                .help("Values read from the clustered tier and not used: not opened with this node's"
                        + " cluster-key-file, sealed for another entry, or older than an eviction (written back)");
        Map<String, Map<String, Long>> counts = new java.util.TreeMap<>(refused.get());
        for (String cache : List.of("tokens", "leases", "marks")) {
            counts.putIfAbsent(cache, Map.of("tampered", 0L));
        }
        counts.forEach((cache, reasons) -> new java.util.TreeMap<>(reasons).forEach((reason, n) -> builder.dataPoint(
                CounterSnapshot.CounterDataPointSnapshot.builder().value(n)
                        .labels(Labels.of("cache", cache, "reason", reason)).build())));
        return builder.build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(CONNECTED, FAILOVERS, REJOINS, UNOPENABLE);
    }
}
