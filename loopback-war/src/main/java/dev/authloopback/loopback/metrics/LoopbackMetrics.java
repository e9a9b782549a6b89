package dev.authloopback.loopback.metrics;

import dev.authloopback.loopback.cache.EntryStats;
import dev.authloopback.loopback.cache.WeightLedger;
import dev.authloopback.loopback.health.HealthStatus;
import dev.authloopback.loopback.health.UpstreamHealth;
import dev.authloopback.loopback.memory.InFlightBytes;
import dev.authloopback.loopback.outcome.CacheStatus;
import dev.authloopback.loopback.outcome.RefreshOutcome;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The loopback's metrics, in a registry of its own (never the library's static default registry),
 * so two loopback.war deployments in one JVM never mix their numbers. Exposed as Prometheus text
 * and as JSON by the admin resource; docs/operations.md lists every metric.
 *
 * <p>Counters on the request path are resolved per profile once ({@link ProfileMetrics}), carry no
 * exemplars, and cost one striped add per event: no lock, no label lookup, no allocation. Entry
 * gauges are computed when scraped ({@link EntryGauges}), never maintained per request.
 */
public final class LoopbackMetrics {
    /** Upstream latency buckets, seconds: a token endpoint answers in milliseconds to a few seconds. */
    static final double[] UPSTREAM_SECONDS_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    /** Why an upstream answer was not stored, besides the failure kinds (TokenProxy's SKIP(...) reasons). */
    static final List<String> SKIP_REASONS = List.of("status", "no_access_token", "expires_in", "too_large");
    /** What a caller was refused for want of room in max-bytes-in-flight: its own body, or the upstream's answer. */
    public static final String SIDE_REQUEST_BODY = "request_body";
    public static final String SIDE_UPSTREAM_ANSWER = "upstream_answer";
    /** EvictionResult values, lower case, and "all" for the admin evict-all. */
    static final List<String> EVICTION_RESULTS = List.of("evicted", "newer_token", "absent", "too_soon", "all");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter answers;
    private final Counter stores;
    private final Counter skips;
    private final Counter upstreamRequests;
    private final Counter upstreamErrors;
    private final Histogram upstreamDuration;
    private final Counter refreshes;
    private final Counter evictions;
    private final Counter requestBodyTimeouts;
    private final Counter leaseWaits;
    private final Counter inFlightRefusals;

    /**
     * @param entryStats the entries of a profile, computed at scrape time
     * @param health     the health of a profile, read at scrape time
     */
    public LoopbackMetrics(Collection<String> profiles, Function<String, EntryStats> entryStats,
                           Function<String, HealthStatus> health) {
        // Every metric withoutExemplars(): with the OpenTelemetry API in the WAR (docs/tracing.md) the
        // Prometheus client would otherwise ask that API for the current span on each inc(), a cost on
        // the hit path, and an Error out of inc() where the API's context storage cannot start (another
        // OpenTelemetry copy's service files on the server class path) - HostileInputIT saw a 500.
        // NoExemplarsTest holds every metric to it.
        answers = Counter.builder().name("loopback_answers_total")
                .help("Token answers by how the cache produced them (HIT, MISS, COALESCED, STALE, BYPASS, FAILED)")
                .labelNames("profile", "cache").withoutExemplars().register(registry);
        stores = Counter.builder().name("loopback_stores_total").help("Token responses stored in the cache")
                .labelNames("profile").withoutExemplars().register(registry);
        skips = Counter.builder().name("loopback_skips_total")
                .help("Upstream answers not stored, by reason").labelNames("profile", "reason")
                .withoutExemplars().register(registry);
        upstreamRequests = Counter.builder().name("loopback_upstream_requests_total")
                .help("Calls to the token endpoint by status class (2xx..5xx), or failed without an HTTP answer")
                .labelNames("profile", "status_class").withoutExemplars().register(registry);
        upstreamErrors = Counter.builder().name("loopback_upstream_errors_total")
                .help("Calls to the token endpoint that failed or answered 4xx/5xx, by kind")
                .labelNames("profile", "kind").withoutExemplars().register(registry);
        upstreamDuration = Histogram.builder().name("loopback_upstream_request_duration_seconds").unit(Unit.SECONDS)
                .help("Latency of calls to the token endpoint, failed ones included")
                .labelNames("profile").classicOnly().classicUpperBounds(UPSTREAM_SECONDS_BUCKETS)
                .withoutExemplars().register(registry);
        refreshes = Counter.builder().name("loopback_refreshes_total")
                .help("Background refreshes ahead of expiry, by outcome (stored, skipped, failed)")
                .labelNames("profile", "outcome").withoutExemplars().register(registry);
        evictions = Counter.builder().name("loopback_evictions_total")
                .help("Conditional evictions by result, and admin evict-all").labelNames("profile", "result")
                .withoutExemplars().register(registry);
        requestBodyTimeouts = Counter.builder().name("loopback_request_body_timeouts_total")
                .help("Callers cut off with 408 for not sending their request body within request-body-timeout")
                .labelNames("profile").withoutExemplars().register(registry);
        leaseWaits = Counter.builder().name("loopback_cluster_lease_waits_total")
                .help("Cold keys this node did not fetch because another node held the fetch lease and stored"
                        + " the token meanwhile").labelNames("profile").withoutExemplars().register(registry);
        inFlightRefusals = Counter.builder().name("loopback_in_flight_refusals_total")
                .help("Requests refused with 503 busy because their body or the upstream's answer did not fit in"
                        + " max-bytes-in-flight").labelNames("profile", "side").withoutExemplars().register(registry);
        registry.register(new EntryGauges(List.copyOf(profiles), entryStats));
        registry.register(new HealthGauge(List.copyOf(profiles), health));
        registerJvmMetrics(registry);
    }

    /**
     * Heap, threads, GC, classes, buffers, JIT and process (start time, CPU, file descriptors).
     * Not {@code JvmMetrics.builder()}: its allocation metrics add GC notification listeners that
     * are never removed and would pin this web app's class loader after an undeploy.
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        JvmThreadsMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /**
     * The counters of one profile, handed to that profile's proxy; each event is passed on, typed, to
     * {@code health}, which judges it.
     */
    public ProfileMetrics forProfile(String profile, UpstreamHealth health) {
        return new ProfileMetrics(profile, health);
    }

    /** The memory budgets: cache bytes by profile, weight evictions, bytes in flight. */
    public void registerMemory(Collection<String> profiles, WeightLedger ledger, InFlightBytes inFlight) {
        registry.register(new MemoryGauges(List.copyOf(profiles), ledger, inFlight));
    }

    /** The clustered tier's state, when {@code cluster-uri} is set. */
    public void registerCluster(java.util.function.BooleanSupplier connected, java.util.function.LongSupplier failovers,
                                java.util.function.LongSupplier rejoins,
                                java.util.function.Supplier<java.util.Map<String, java.util.Map<String, Long>>> refused) {
        registry.register(new ClusterGauges(connected, failovers, rejoins, refused));
    }

    public String prometheusText() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Every metric as a scrape sees it now (for tests that look past the text format, at exemplars). */
    MetricSnapshots scrape() {
        return registry.scrape();
    }

    public static String prometheusContentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Exposition name → {label=value,... → value}, or → value for a series without labels; for the JSON view. */
    public Map<String, Object> values() {
        MetricSnapshots snapshots = registry.scrape();
        return JsonValues.of(snapshots);
    }

    /**
     * Event methods for one profile's proxy. Label values come only from fixed vocabularies; the
     * ones on the request path are resolved here once, indexed by the event's ordinal.
     */
    public final class ProfileMetrics {
        private final String profile;
        private final UpstreamHealth health;
        private final CounterDataPoint[] answersByStatus = new CounterDataPoint[CacheStatus.values().length];
        private final CounterDataPoint stored;
        /** Index = status / 100 (2..5); index 0 = no HTTP answer. */
        private final CounterDataPoint[] upstreamByClass = new CounterDataPoint[6];
        private final CounterDataPoint[] upstreamErrorsByKind =
                new CounterDataPoint[UpstreamFailure.Kind.values().length];
        private final DistributionDataPoint upstreamSeconds;
        private final CounterDataPoint[] refreshesByOutcome = new CounterDataPoint[RefreshOutcome.values().length];
        private final CounterDataPoint leaseWaited;

        private ProfileMetrics(String profile, UpstreamHealth health) {
            this.profile = profile;
            this.health = health;
            for (CacheStatus status : CacheStatus.values()) {
                answersByStatus[status.ordinal()] = answers.labelValues(profile, status.name());
            }
            stored = stores.labelValues(profile);
            upstreamByClass[0] = upstreamRequests.labelValues(profile, "failed");
            for (int c = 2; c <= 5; c++) {
                upstreamByClass[c] = upstreamRequests.labelValues(profile, c + "xx");
            }
            upstreamSeconds = upstreamDuration.labelValues(profile);
            // Every known label value starts at 0, so rate() and increase() see the first event and a
            // dashboard names series that exist from the first scrape.
            for (UpstreamFailure.Kind kind : UpstreamFailure.Kind.values()) {
                String name = kind.name().toLowerCase(Locale.ROOT);
                skips.labelValues(profile, name);
                upstreamErrorsByKind[kind.ordinal()] = upstreamErrors.labelValues(profile, name);
            }
            for (String reason : SKIP_REASONS) {
                skips.labelValues(profile, reason);
            }
            upstreamErrors.labelValues(profile, "status_4xx");
            upstreamErrors.labelValues(profile, "status_5xx");
            for (String result : EVICTION_RESULTS) {
                evictions.labelValues(profile, result);
            }
            for (RefreshOutcome outcome : RefreshOutcome.values()) {
                refreshesByOutcome[outcome.ordinal()] =
                        refreshes.labelValues(profile, outcome.name().toLowerCase(Locale.ROOT));
            }
            leaseWaited = leaseWaits.labelValues(profile);
            inFlightRefusals.labelValues(profile, SIDE_REQUEST_BODY);
            inFlightRefusals.labelValues(profile, SIDE_UPSTREAM_ANSWER);
        }

        /** A request was refused (503 busy): its body or its upstream answer did not fit in max-bytes-in-flight. */
        public void refusedInFlight(String side) {
            inFlightRefusals.labelValues(profile, side).inc();
        }

        /** Another node held this key's fetch lease and its token arrived through the cluster. */
        public void leaseWaited() {
            leaseWaited.inc();
        }

        /** One answer to a caller, by how the cache produced it (or FAILED). */
        public void answered(CacheStatus status) {
            // For a HIT, the hot path: one striped add, and health returns at once.
            answersByStatus[status.ordinal()].inc();
            health.callerAnswered(status);
        }

        public void stored() {
            stored.inc();
        }

        public void skipped(String reason) {
            skips.labelValues(profile, reason).inc();
        }

        /** The token endpoint gave an HTTP answer after {@code latencyMillis}. */
        public void upstreamAnswered(int status, long latencyMillis) {
            upstreamSeconds.observe(latencyMillis / 1000.0);
            int statusClass = status / 100;
            if (statusClass >= 2 && statusClass <= 5) {
                upstreamByClass[statusClass].inc();
            } else {
                upstreamRequests.labelValues(profile, statusClass + "xx").inc(); // never seen from a token endpoint
            }
            if (status >= 400) {
                upstreamErrors.labelValues(profile, "status_" + statusClass + "xx").inc();
            }
            health.upstreamAnswered(status);
        }

        /** The token endpoint gave no usable HTTP answer. */
        public void upstreamFailed(UpstreamFailure.Kind kind, long latencyMillis) {
            upstreamErrorsByKind[kind.ordinal()].inc();
            if (kind == UpstreamFailure.Kind.CLIENT_ASSERTION_EXPIRED) {
                // Nothing was sent: no request to time, and nothing learnt about the token endpoint's
                // health. The credentials check reports the expired assertion (DEGRADED) instead.
                return;
            }
            upstreamSeconds.observe(latencyMillis / 1000.0);
            upstreamByClass[0].inc();
            health.upstreamFailed(kind);
        }

        /** A refresh ahead finished; see {@link RefreshOutcome}. */
        public void refreshed(RefreshOutcome outcome) {
            refreshesByOutcome[outcome.ordinal()].inc();
            health.refreshed(outcome);
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
