package dev.authloopback.loopback.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The scrape as plain numbers for the JSON view, under the names the Prometheus text uses:
 * counters as {@code <name>_total}, histograms and summaries as {@code <name>_count} and
 * {@code <name>_sum}, info metrics as {@code <name>_info}. A series with labels is an object keyed by
 * them ({@code {"profile=default,cache=HIT": 5.0}}); one without labels is the number itself
 * ({@code "process_cpu_seconds_total": 12.3}), not an object under an empty key.
 */
final class JsonValues {
    private JsonValues() {
    }

    static Map<String, Object> of(MetricSnapshots snapshots) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (MetricSnapshot snapshot : snapshots) {
            String name = snapshot.getMetadata().getPrometheusName();
            for (DataPointSnapshot point : snapshot.getDataPoints()) {
                String labels = labels(point.getLabels());
                if (point instanceof CounterSnapshot.CounterDataPointSnapshot c) {
                    put(values, name + "_total", labels, c.getValue());
                } else if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot g) {
                    put(values, name, labels, g.getValue());
                } else if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot h) {
                    put(values, name + "_count", labels, h.getCount());
                    put(values, name + "_sum", labels, h.getSum());
                } else if (point instanceof SummarySnapshot.SummaryDataPointSnapshot s) {
                    put(values, name + "_count", labels, s.getCount());
                    put(values, name + "_sum", labels, s.getSum());
                } else if (point instanceof InfoSnapshot.InfoDataPointSnapshot) {
                    put(values, name + "_info", labels, 1);
                } else if (point instanceof UnknownSnapshot.UnknownDataPointSnapshot u) {
                    put(values, name, labels, u.getValue());
                }
            }
        }
        return values;
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> values, String name, String labels, double value) {
        if (labels.isEmpty()) {
            values.put(name, value);
        } else {
            ((Map<String, Double>) values.computeIfAbsent(name, n -> new LinkedHashMap<String, Double>())).put(labels, value);
        }
    }

    private static String labels(Labels labels) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < labels.size(); i++) {
            text.append(i == 0 ? "" : ",").append(labels.getName(i)).append('=').append(labels.getValue(i));
        }
        return text.toString();
    }
}
