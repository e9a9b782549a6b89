package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.CountingUpstream.Answer;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private final CountingUpstream upstream = new CountingUpstream();
    private final LoopbackTestServer loopback = new LoopbackTestServer(Map.of("upstream-url", upstream.url()), null);

    MetricsTest() throws Exception {
    }

    @AfterEach
    void stop() throws Exception {
        loopback.close();
        upstream.close();
    }

    @Test
    void countersAreExposedAsPrometheusTextAndJson() throws Exception {
        upstream.script(n -> n == 2 ? new Answer(503, "application/json", "{}", Map.of())
                : Answer.token("tok-" + n, 3600L));
        loopback.post("", FORM, "scope=a");
        loopback.post("", FORM, "scope=a");
        loopback.post("", FORM, "scope=b");

        HttpResponse<String> text = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/metrics")).build());
        assertEquals(200, text.statusCode(), text.body());
        assertTrue(text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String body = text.body();
        assertTrue(body.contains("loopback_answers_total{cache=\"HIT\",profile=\"default\"} 1"), body);
        assertTrue(body.contains("loopback_answers_total{cache=\"MISS\",profile=\"default\"} 2"), body);
        assertTrue(body.contains("loopback_stores_total{profile=\"default\"} 1"), body);
        assertTrue(body.contains("loopback_skips_total{profile=\"default\",reason=\"status\"} 1"), body);
        assertTrue(body.contains("loopback_upstream_errors_total{kind=\"status_5xx\",profile=\"default\"} 1"), body);
        assertTrue(body.contains("loopback_entries{profile=\"default\"} 1"), body);
        assertTrue(!body.contains("tok-"), "no token in metrics");

        HttpResponse<String> json = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/stats")).build());
        assertEquals(200, json.statusCode(), json.body());
        assertTrue(json.body().contains("\"loopback_answers_total\":{"), json.body());
        assertTrue(json.body().contains("\"cache=HIT,profile=default\":1.0"), json.body());
        // A series without labels is its number, not an object under an empty key.
        assertTrue(json.body().contains("\"loopback_cache_budget_bytes\":1.6777216E7"), json.body());
        assertTrue(!json.body().contains("\"\":"), json.body());
    }

    @Test
    void upstreamCallsAreCountedByStatusClassAndTimedInAHistogram() throws Exception {
        upstream.script(n -> n == 2 ? new Answer(503, "application/json", "{}", Map.of())
                : n == 3 ? new Answer(401, "application/json", "{}", Map.of()) : Answer.token("tok-" + n, 3600L));
        loopback.post("", FORM, "scope=a");
        loopback.post("", FORM, "scope=b");
        loopback.post("", FORM, "scope=c");

        String body = scrape(loopback);
        assertTrue(body.contains("loopback_upstream_requests_total{profile=\"default\",status_class=\"2xx\"} 1.0\n"), body);
        assertTrue(body.contains("loopback_upstream_requests_total{profile=\"default\",status_class=\"4xx\"} 1.0\n"), body);
        assertTrue(body.contains("loopback_upstream_requests_total{profile=\"default\",status_class=\"5xx\"} 1.0\n"), body);
        assertTrue(body.contains("loopback_upstream_requests_total{profile=\"default\",status_class=\"failed\"} 0.0\n"), body);
        assertTrue(body.contains("loopback_upstream_request_duration_seconds_count{profile=\"default\"} 3\n"), body);
        assertTrue(body.contains("loopback_upstream_request_duration_seconds_bucket{profile=\"default\",le=\"+Inf\"} 3\n"),
                body);
    }

    @Test
    void entryGaugesFollowTheInjectedClock() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (LoopbackTestServer timed = new LoopbackTestServer(Map.of("upstream-url", upstream.url(), "ttl", "300s",
                "refresh-ahead", "0"), clock)) {
            upstream.script(n -> Answer.token("tok-" + n, 600L)); // valid for 600 - 60 = 540 s, fresh for 300 s
            String before = scrape(timed);
            timed.post("", FORM, "scope=a");
            clock.advance(Duration.ofSeconds(100));
            timed.post("", FORM, "scope=b");
            clock.advance(Duration.ofSeconds(250));
            String body = scrape(timed);

            assertTrue(before.contains("loopback_entries{profile=\"default\"} 0.0\n"), before);
            assertTrue(!before.contains("loopback_oldest_entry_age_seconds{"), "no entry, no age point: " + before);
            assertTrue(body.contains("loopback_entries{profile=\"default\"} 2.0\n"), body);
            assertTrue(body.contains("loopback_stale_entries{profile=\"default\"} 1.0\n"), body);
            assertTrue(body.contains("loopback_oldest_entry_age_seconds{profile=\"default\"} 350.0\n"), body);
            assertTrue(body.contains("loopback_soonest_token_expiry_seconds{profile=\"default\"} 190.0\n"), body);
        }
    }

    @Test
    void jvmAndProcessMetricsAreExported() throws Exception {
        String body = scrape(loopback);
        for (String name : new String[] {"process_start_time_seconds ", "jvm_memory_used_bytes{area=\"heap\"}",
                "jvm_threads_current ", "jvm_gc_collection_seconds_count{"}) {
            assertTrue(body.contains(name), name + " missing in\n" + body);
        }
    }

    private static String scrape(LoopbackTestServer server) throws Exception {
        HttpResponse<String> text = server.send(HttpRequest.newBuilder(server.uri("/admin/metrics")).build());
        assertEquals(200, text.statusCode(), text.body());
        return text.body();
    }
}
