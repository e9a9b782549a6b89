package dev.authloopback.loopback.metrics;

import dev.authloopback.loopback.cache.EntryStats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.List;
import java.util.function.Function;

/**
 * The per-profile entry gauges, computed in one pass over each profile's entries when scraped, so
 * nothing is maintained per request. A profile without entries has no age or expiry point (there
 * is no oldest entry), which an alert reads as "absent", not as zero.
 */
final class EntryGauges implements MultiCollector {
    static final String ENTRIES = "loopback_entries";
    static final String STALE_ENTRIES = "loopback_stale_entries";
    static final String OLDEST_AGE = "loopback_oldest_entry_age_seconds";
    static final String SOONEST_EXPIRY = "loopback_soonest_token_expiry_seconds";

    private final List<String> profiles;
    private final Function<String, EntryStats> entryStats;

    EntryGauges(List<String> profiles, Function<String, EntryStats> entryStats) {
        this.profiles = profiles;
        this.entryStats = entryStats;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder entries = GaugeSnapshot.builder().name(ENTRIES)
                .help("Entries currently cached");
        GaugeSnapshot.Builder stale = GaugeSnapshot.builder().name(STALE_ENTRIES)
                .help("Cached entries past freshness, kept only to stand in when the token endpoint fails");
        GaugeSnapshot.Builder oldest = GaugeSnapshot.builder().name(OLDEST_AGE).unit(Unit.SECONDS)
                .help("Age of the oldest cached entry");
        GaugeSnapshot.Builder soonest = GaugeSnapshot.builder().name(SOONEST_EXPIRY).unit(Unit.SECONDS)
                .help("Time until the soonest cached token stops being valid (its lifetime minus skew)");
        for (String profile : profiles) {
            EntryStats stats = entryStats.apply(profile);
            Labels labels = Labels.of("profile", profile);
            entries.dataPoint(point(stats.entries(), labels));
            stale.dataPoint(point(stats.staleEntries(), labels));
            if (stats.entries() > 0) {
                oldest.dataPoint(point(stats.oldestAgeMillis() / 1000.0, labels));
                soonest.dataPoint(point(stats.soonestExpiryMillis() / 1000.0, labels));
            }
        }
        return MetricSnapshots.of(entries.build(), stale.build(), oldest.build(), soonest.build());
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(ENTRIES, STALE_ENTRIES, OLDEST_AGE, SOONEST_EXPIRY);
    }
}
