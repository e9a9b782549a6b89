package dev.authloopback.it.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of the report.
 *
 * @param id            short id used in the table and as the baseline reference (A, HIT, MISS, B, ...)
 * @param threads       client threads of the run; a row's baseline is the baseline row with the same count
 * @param title         what was measured, in words
 * @param baselineId    the row its ratios are taken against, or {@code null} for a baseline
 * @param outcome       the measured run
 * @param upstreamCalls token requests the OAuth2 server received during the run (warm-up included)
 */
record ScenarioResult(String id, int threads, String title, String baselineId, LoadDriver.Outcome outcome, long upstreamCalls) {

    long failures() {
        return outcome.errors() + outcome.warmupErrors();
    }

    double p50() {
        return outcome.latencies().percentileMillis(0.50);
    }

    double p90() {
        return outcome.latencies().percentileMillis(0.90);
    }

    double p99() {
        return outcome.latencies().percentileMillis(0.99);
    }

    /** p50 of this row over p50 of the baseline: 1.25 means a median request takes 25 % longer. */
    double p50Ratio(ScenarioResult baseline) {
        return p50() / baseline.p50();
    }

    /** Throughput of this row over the baseline's: 0.80 means 80 % of the baseline's requests per second. */
    double throughputRatio(ScenarioResult baseline) {
        return outcome.throughput() / baseline.outcome.throughput();
    }

    Map<String, Object> asMap(ScenarioResult baseline) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", id);
        map.put("scenario", title);
        map.put("clientThreads", threads);
        map.put("baseline", baselineId);
        map.put("warmupRequests", outcome.warmupRequests());
        map.put("requests", outcome.requests());
        map.put("errors", outcome.errors());
        map.put("warmupErrors", outcome.warmupErrors());
        map.put("errorSamples", outcome.errorSamples());
        map.put("seconds", round(outcome.wall().toNanos() / 1e9));
        map.put("throughputPerSecond", round(outcome.throughput()));
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", round(p50()));
        latency.put("p90", round(p90()));
        latency.put("p99", round(p99()));
        latency.put("mean", round(outcome.latencies().meanMillis()));
        latency.put("max", round(outcome.latencies().maxMillis()));
        map.put("latencyMs", latency);
        if (baseline != null) {
            Map<String, Object> ratio = new LinkedHashMap<>();
            ratio.put("p50", round(p50Ratio(baseline)));
            ratio.put("p90", round(p90() / baseline.p90()));
            ratio.put("p99", round(p99() / baseline.p99()));
            ratio.put("throughput", round(throughputRatio(baseline)));
            map.put("ratioVsBaseline", ratio);
            map.put("addedP50Ms", round(p50() - baseline.p50()));
        }
        map.put("oauth2TokenCalls", upstreamCalls);
        return map;
    }

    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
