package dev.authloopback.loopback.metrics;

import dev.authloopback.loopback.cache.EntryStats;
import dev.authloopback.loopback.health.HealthStatus;
import dev.authloopback.loopback.health.UpstreamHealth;
import dev.authloopback.loopback.outcome.CacheStatus;
import dev.authloopback.loopback.outcome.RefreshOutcome;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No metric of ours takes exemplars. With the OpenTelemetry API in the WAR, a metric that did would
 * ask it for the current span on each increment, on the hit path, and fail the request where the
 * API's context storage cannot start (HostileInputIT once saw a 500 for that). Here every counting
 * method runs inside a sampled span, the case in which the Prometheus client attaches one.
 */
class NoExemplarsTest {

    @Test
    void counterAndHistogramsCarryNoExemplarEvenInsideASampledSpan() {
        LoopbackMetrics metrics = new LoopbackMetrics(List.of("default"), p -> EntryStats.EMPTY, p -> HealthStatus.UP);
        LoopbackMetrics.ProfileMetrics profile = metrics.forProfile("default",
                new UpstreamHealth("default", "http://127.0.0.1:1/token", 3, Clock.systemUTC()));
        try (SdkTracerProvider tracing = SdkTracerProvider.builder().build()) {
            Span span = tracing.get("test").spanBuilder("request").startSpan();
            assertTrue(span.getSpanContext().isSampled());
            try (Scope ignored = span.makeCurrent()) {
                for (CacheStatus status : CacheStatus.values()) {
                    profile.answered(status);
                }
                profile.stored();
                profile.skipped("expires_in");
                profile.upstreamAnswered(200, 12);
                profile.upstreamAnswered(503, 40);
                profile.upstreamFailed(UpstreamFailure.Kind.TIMEOUT, 5_000);
                for (RefreshOutcome outcome : RefreshOutcome.values()) {
                    profile.refreshed(outcome);
                }
                profile.evicted("evicted");
                profile.requestBodyTimedOut();
                profile.leaseWaited();
                profile.refusedInFlight("request");
            } finally {
                span.end();
            }
        }

        List<String> withExemplars = new ArrayList<>();
        List<String> ours = new ArrayList<>();
        for (MetricSnapshot snapshot : metrics.scrape()) {
            String name = snapshot.getMetadata().getName();
            if (!name.startsWith("loopback_")) {
                continue;
            }
            if (snapshot instanceof CounterSnapshot counter) {
                ours.add(name);
                counter.getDataPoints().stream().filter(p -> p.getExemplar() != null)
                        .forEach(p -> withExemplars.add(name + p.getLabels()));
            } else if (snapshot instanceof HistogramSnapshot histogram) {
                ours.add(name);
                histogram.getDataPoints().stream().filter(p -> p.getExemplars().size() > 0)
                        .forEach(p -> withExemplars.add(name + p.getLabels()));
            }
        }
        assertTrue(ours.containsAll(Set.of("loopback_answers", "loopback_upstream_request_duration_seconds",
                "loopback_request_body_timeouts")), ours::toString);
        assertEquals(List.of(), withExemplars);
    }
}
