package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.PrometheusText;
import dev.authloopback.it.support.Promtool;
import dev.authloopback.testsupport.MutableClock;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The known sequence against the real WAR, then the exact figures in the Prometheus text
 * (parsed, and passed through {@code promtool check metrics}) and in the JSON stats:
 * 2 misses on 2 keys (the first with 3 coalesced callers), 5 hits, 1 upstream 500 answered with
 * 1 stale token, 1 eviction.
 *
 * <p>Token lifetime 600 s, {@code ttl} 300 s: fresh for 300 s, valid (stale-servable) until 540 s.
 * All time is the injected clock.
 */
class MetricsAfterAKnownSequenceIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String KEY_A = "grant_type=client_credentials&client_id=a&client_secret=secret-a";
    private static final String KEY_B = "grant_type=client_credentials&client_id=b&client_secret=secret-b";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] DEFAULT = {"profile", "default"};

    private final Http http = new Http();

    @Test
    void prometheusTextAndJsonStatsCountEveryStepOfTheSequenceExactly() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("ttl", "300s").clock(clock).start()) {
            // 1 miss on key A with 3 coalesced callers: the upstream holds until all 4 are inside.
            upstream.script(Answer.holdUntil(Duration.ofMillis(50), () -> loopback.activeRequests() >= 4,
                    Duration.ofSeconds(10), Answer.ok(600)));
            Herd.Outcome herd = Herd.run(4, Duration.ofSeconds(30), i -> post(loopback, KEY_A));
            // 1 miss on key B.
            upstream.script(Answer.ok(600));
            Http.Answer missB = post(loopback, KEY_B);
            // 5 hits.
            List<Http.Answer> hits = List.of(post(loopback, KEY_A), post(loopback, KEY_B), post(loopback, KEY_A),
                    post(loopback, KEY_B), post(loopback, KEY_A));
            // Freshness ends; the upstream answers 500; the old token, still valid, stands in.
            clock.advance(Duration.ofSeconds(400));
            upstream.script(Answer.status(500));
            Http.Answer stale = post(loopback, KEY_A);
            // 1 eviction: key B, by its ETag.
            Http.Answer evicted = http.send(HttpRequest.newBuilder(loopback.tokenUrl())
                    .header("Content-Type", FORM).header("If-Match", missB.header("ETag"))
                    .method("DELETE", HttpRequest.BodyPublishers.ofString(KEY_B)));

            String text = http.get(loopback.url("/admin/metrics")).body();
            Http.Answer statsAnswer = http.get(loopback.url("/admin/stats"));
            Supplier<String> message = () -> "herd: " + herd.answers() + "\nmiss B: " + missB + "\nhits: " + hits
                    + "\nstale: " + stale + "\nevicted: " + evicted + "\nupstream: " + upstream.calls()
                    + "\nmetrics:\n" + text + "\nstats: " + statsAnswer;

            List<String> herdCache = herd.answers().stream().map(a -> a.header("X-Loopback-Cache")).sorted().toList();
            assertEquals(List.of("COALESCED", "COALESCED", "COALESCED", "MISS"), herdCache, message);
            assertEquals("MISS", missB.header("X-Loopback-Cache"), message);
            assertTrue(hits.stream().allMatch(a -> "HIT".equals(a.header("X-Loopback-Cache"))), message);
            assertEquals("STALE", stale.header("X-Loopback-Cache"), message);
            assertEquals(204, evicted.status(), message);
            assertEquals(3, upstream.callCount(), message);

            System.out.println("=== /admin/metrics after the sequence (loopback_* and process start) ===\n"
                    + text.lines().filter(l -> l.startsWith("loopback_") || l.startsWith("process_start"))
                    .collect(java.util.stream.Collectors.joining("\n")));
            Promtool.Result lint = Promtool.checkMetrics(text);
            assertTrue(lint.ok(), () -> "promtool check metrics: " + lint.output() + "\n" + message.get());

            PrometheusText.Scrape scrape = PrometheusText.parse(text);
            assertAll(
                    () -> assertEquals(2, answers(scrape, "MISS"), message),
                    () -> assertEquals(3, answers(scrape, "COALESCED"), message),
                    () -> assertEquals(5, answers(scrape, "HIT"), message),
                    () -> assertEquals(1, answers(scrape, "STALE"), message),
                    () -> assertEquals(0, answers(scrape, "FAILED"), message),
                    () -> assertEquals(0, answers(scrape, "BYPASS"), message),
                    () -> assertEquals(2, scrape.value("loopback_stores_total", DEFAULT), message),
                    () -> assertEquals(1, scrape.value("loopback_skips_total", "profile", "default", "reason", "status"),
                            message),
                    () -> assertEquals(2, upstreamRequests(scrape, "2xx"), message),
                    () -> assertEquals(1, upstreamRequests(scrape, "5xx"), message),
                    () -> assertEquals(0, upstreamRequests(scrape, "4xx"), message),
                    () -> assertEquals(0, upstreamRequests(scrape, "failed"), message),
                    () -> assertEquals(1, scrape.value("loopback_upstream_errors_total",
                            "profile", "default", "kind", "status_5xx"), message),
                    () -> assertEquals(3, scrape.value("loopback_upstream_request_duration_seconds_count", DEFAULT),
                            message),
                    () -> assertEquals(3, scrape.value("loopback_upstream_request_duration_seconds_bucket",
                            "profile", "default", "le", "+Inf"), message),
                    () -> assertEquals("histogram",
                            scrape.families().get("loopback_upstream_request_duration_seconds").type(), message),
                    () -> assertEquals(1, scrape.value("loopback_evictions_total",
                            "profile", "default", "result", "evicted"), message),
                    () -> assertEquals(0, scrape.value("loopback_refreshes_total",
                            "profile", "default", "outcome", "stored"), message),
                    // After the eviction only key A is left, stale, stored 400 s ago, valid for 140 s more.
                    () -> assertEquals(1, scrape.value("loopback_entries", DEFAULT), message),
                    () -> assertEquals(1, scrape.value("loopback_stale_entries", DEFAULT), message),
                    () -> assertEquals(400, scrape.value("loopback_oldest_entry_age_seconds", DEFAULT), message),
                    () -> assertEquals(140, scrape.value("loopback_soonest_token_expiry_seconds", DEFAULT), message),
                    // One small entry's weight (docs/operations.md "Memory": body, key, strings + 512 bytes), nothing in flight.
                    () -> assertTrue(scrape.value("loopback_cache_bytes", DEFAULT) > 512
                            && scrape.value("loopback_cache_bytes", DEFAULT) < 4096, message),
                    () -> assertEquals(16 << 20, scrape.value("loopback_cache_budget_bytes"), message),
                    () -> assertEquals(0, scrape.value("loopback_cache_weight_evictions_total", DEFAULT), message),
                    () -> assertEquals(0, scrape.value("loopback_in_flight_bytes"), message),
                    () -> assertEquals(16 << 20, scrape.value("loopback_in_flight_budget_bytes"), message),
                    () -> assertEquals(0, scrape.value("loopback_in_flight_refusals_total",
                            "profile", "default", "side", "upstream_answer"), message),
                    () -> assertTrue(scrape.value("process_start_time_seconds") > 0, message),
                    () -> assertTrue(scrape.value("jvm_memory_used_bytes", "area", "heap") > 0, message),
                    () -> assertTrue(scrape.value("jvm_threads_current") > 0, message));

            assertEquals(200, statsAnswer.status(), message);
            JsonNode stats = JSON.readTree(statsAnswer.body());
            assertAll(
                    () -> assertEquals(2.0, stats.path("loopback_answers_total").path("cache=MISS,profile=default").asDouble(), message),
                    () -> assertEquals(3.0, stats.path("loopback_answers_total").path("cache=COALESCED,profile=default").asDouble(), message),
                    () -> assertEquals(5.0, stats.path("loopback_answers_total").path("cache=HIT,profile=default").asDouble(), message),
                    () -> assertEquals(1.0, stats.path("loopback_answers_total").path("cache=STALE,profile=default").asDouble(), message),
                    () -> assertEquals(2.0, stats.path("loopback_stores_total").path("profile=default").asDouble(), message),
                    () -> assertEquals(1.0, stats.path("loopback_upstream_requests_total").path("profile=default,status_class=5xx").asDouble(), message),
                    () -> assertEquals(3.0, stats.path("loopback_upstream_request_duration_seconds_count").path("profile=default").asDouble(), message),
                    () -> assertEquals(1.0, stats.path("loopback_evictions_total").path("profile=default,result=evicted").asDouble(), message),
                    () -> assertEquals(1.0, stats.path("loopback_entries").path("profile=default").asDouble(), message),
                    () -> assertEquals(400.0, stats.path("loopback_oldest_entry_age_seconds").path("profile=default").asDouble(), message),
                    () -> assertEquals(140.0, stats.path("loopback_soonest_token_expiry_seconds").path("profile=default").asDouble(), message));
        }
    }

    private static double answers(PrometheusText.Scrape scrape, String cache) {
        return scrape.value("loopback_answers_total", "profile", "default", "cache", cache);
    }

    private static double upstreamRequests(PrometheusText.Scrape scrape, String statusClass) {
        return scrape.value("loopback_upstream_requests_total", "profile", "default", "status_class", statusClass);
    }

    private Http.Answer post(LoopbackServer loopback, String body) {
        return http.post(loopback.tokenUrl(), FORM, body);
    }
}
