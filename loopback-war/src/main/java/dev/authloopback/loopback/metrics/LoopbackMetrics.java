package dev.authloopback.loopback.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The loopback's counters, in a registry of its own (never the library's static default
 * registry), so two loopback.war deployments in one JVM never mix their numbers. Exposed as
 * Prometheus text and as JSON by the admin resource.
 */
public final class LoopbackMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter answers;
    private final Counter stores;
    private final Counter skips;
    private final Counter upstreamErrors;
    private final Counter evictions;
    private final Counter requestBodyTimeouts;

    /** @param entries current number of entries of a profile, read at scrape time */
    public LoopbackMetrics(Iterable<String> profiles, ToLongFunction<String> entries) {
        answers = Counter.builder().name("loopback_answers_total")
                .help("Token answers by how the cache produced them (HIT, MISS, COALESCED, STALE, BYPASS)")
                .labelNames("profile", "cache").register(registry);
        stores = Counter.builder().name("loopback_stores_total").help("Token responses stored")
                .labelNames("profile").register(registry);
        skips = Counter.builder().name("loopback_skips_total")
                .help("Upstream answers not stored, by reason").labelNames("profile", "reason").register(registry);
        upstreamErrors = Counter.builder().name("loopback_upstream_errors_total")
                .help("Upstream calls that failed or answered 4xx/5xx, by kind").labelNames("profile", "kind")
                .register(registry);
        evictions = Counter.builder().name("loopback_evictions_total")
                .help("Conditional evictions by result, and admin evict-all").labelNames("profile", "result")
                .register(registry);
        requestBodyTimeouts = Counter.builder().name("loopback_request_body_timeouts_total")
                .help("Callers cut off with 408 for not sending their request body within request-body-timeout")
                .labelNames("profile").register(registry);
        GaugeWithCallback.builder().name("loopback_entries").help("Entries currently cached")
                .labelNames("profile")
                .callback(callback -> profiles.forEach(p -> callback.call(entries.applyAsLong(p), p)))
                .register(registry);
    }

    /** The counters of one profile, handed to that profile's proxy. */
    public ProfileMetrics forProfile(String profile) {
        return new ProfileMetrics(profile);
    }

    public String prometheusText() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String prometheusContentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** metric name → {label=value,... → value}, for the JSON view. */
    public Map<String, Map<String, Double>> values() {
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            Map<String, Double> points = new LinkedHashMap<>();
            for (DataPointSnapshot point : snapshot.getDataPoints()) {
                double value = point instanceof CounterSnapshot.CounterDataPointSnapshot c ? c.getValue()
                        : point instanceof GaugeSnapshot.GaugeDataPointSnapshot g ? g.getValue() : Double.NaN;
                points.put(labels(point.getLabels()), value);
            }
            values.put(snapshot.getMetadata().getPrometheusName(), points);
        }
        return values;
    }

    private static String labels(Labels labels) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < labels.size(); i++) {
            text.append(i == 0 ? "" : ",").append(labels.getName(i)).append('=').append(labels.getValue(i));
        }
        return text.toString();
    }

    /** Event methods for one profile's proxy; label values come only from fixed vocabularies. */
    public final class ProfileMetrics {
        private final String profile;

        private ProfileMetrics(String profile) {
            this.profile = profile;
        }

        public void answered(String cacheStatus) {
            answers.labelValues(profile, cacheStatus).inc();
        }

        public void stored() {
            stores.labelValues(profile).inc();
        }

        public void skipped(String reason) {
            skips.labelValues(profile, reason).inc();
        }

        public void upstreamError(String kind) {
            upstreamErrors.labelValues(profile, kind).inc();
        }

        public void evicted(String result) {
            evictions.labelValues(profile, result).inc();
        }

        /** A caller was too slow sending its request body and was cut off with 408. */
        public void requestBodyTimedOut() {
            requestBodyTimeouts.labelValues(profile).inc();
        }
    }
}
