package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.CountingUpstream.Answer;
import dev.authloopback.loopback.support.LoopbackTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
        assertTrue(json.body().contains("\"cache=HIT,profile=default\":1.0"), json.body());
    }
}
