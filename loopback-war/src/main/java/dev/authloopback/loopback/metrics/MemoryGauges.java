package dev.authloopback.loopback.metrics;

import dev.authloopback.loopback.cache.WeightLedger;
import dev.authloopback.loopback.memory.InFlightBytes;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.List;

/**
 * The web app's memory budgets as they stand when scraped (docs/operations.md "Memory"): bytes held by each
 * profile's cached entries on this node's heap against {@code max-cache-bytes}, entries evicted to
 * make room by weight, and bytes in flight against {@code max-bytes-in-flight}. Read from counters
 * the ledger and the in-flight budget keep anyway; nothing is added to a request for them.
 */
final class MemoryGauges implements MultiCollector {
    static final String CACHE_BYTES = "loopback_cache_bytes";
    static final String CACHE_BUDGET = "loopback_cache_budget_bytes";
    static final String WEIGHT_EVICTIONS = "loopback_cache_weight_evictions";
    static final String IN_FLIGHT_BYTES = "loopback_in_flight_bytes";
    static final String IN_FLIGHT_BUDGET = "loopback_in_flight_budget_bytes";

    private final List<String> profiles;
    private final WeightLedger ledger;
    private final InFlightBytes inFlight;

    MemoryGauges(List<String> profiles, WeightLedger ledger, InFlightBytes inFlight) {
        this.profiles = profiles;
        this.ledger = ledger;
        this.inFlight = inFlight;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name(CACHE_BYTES).unit(Unit.BYTES)
                .help("Bytes held by cached entries on this node's heap (body, key and a fixed overhead per entry)");
        CounterSnapshot.Builder evictions = CounterSnapshot.builder().name(WEIGHT_EVICTIONS)
                .help("Cached entries evicted to make room in max-cache-bytes for another entry");
        for (String profile : profiles) {
            Labels labels = Labels.of("profile", profile);
            bytes.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(ledger.held(profile))
                    .labels(labels).build());
            evictions.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .value(ledger.weightEvictions(profile)).labels(labels).build());
        }
        return MetricSnapshots.of(bytes.build(),
                gauge(CACHE_BUDGET, "max-cache-bytes: the byte budget of every profile's cached entries together",
                        ledger.budget()),
                evictions.build(),
                gauge(IN_FLIGHT_BYTES, "Bytes of request bodies still arriving and upstream answers not yet written"
                        + " back", inFlight.held()),
                gauge(IN_FLIGHT_BUDGET, "max-bytes-in-flight: past it, transfers are refused with 503 busy",
                        inFlight.limit()));
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).unit(Unit.BYTES).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.EMPTY).build())
                .build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(CACHE_BYTES, CACHE_BUDGET, WEIGHT_EVICTIONS, IN_FLIGHT_BYTES, IN_FLIGHT_BUDGET);
    }
}
