package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.CountingUpstream.Answer;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: an upstream access_token that could not go into a header as it is, or a token_type other
 * than Bearer, is never stored and never served: the caller gets a 502 problem naming the rule, the
 * log a SKIP reason, and neither ever sees the token.
 */
class StrictTokensTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&scope=read";

    private CountingUpstream upstream;
    private MutableClock clock;
    private LoopbackTestServer loopback;

    /** One hostile upstream answer: the JSON value of access_token (already escaped), what it must not leak. */
    record Hostile(String name, String tokenJson, String tokenType, String slug, String rule, String leak) {
        String body() {
            return "{\"access_token\":" + tokenJson + (tokenType == null ? "" : ",\"token_type\":" + tokenType)
                    + ",\"expires_in\":3600}";
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Hostile> hostile() {
        return Stream.of(
                new Hostile("CR", "\"abc\\rX-Injected: 1\"", "\"Bearer\"", "token-malformed", "U+000D", "X-Injected"),
                new Hostile("LF", "\"abc\\nX-Injected: 1\"", "\"Bearer\"", "token-malformed", "U+000A", "X-Injected"),
                new Hostile("CRLF + space", "\"abc\\r\\n X-Folded: 1\"", "\"Bearer\"", "token-malformed", "U+000D",
                        "X-Folded"),
                new Hostile("NUL", "\"abc\\u0000X-Nul\"", "\"Bearer\"", "token-malformed", "U+0000", "X-Nul"),
                new Hostile("non-ASCII", "\"abc\u00e9X-Accent\"", "\"Bearer\"", "token-malformed", "non-ASCII",
                        "X-Accent"),
                new Hostile("comma + Basic", "\"a, Basic YWRtaW46YWRtaW4=\"", "\"Bearer\"", "token-malformed", "','",
                        "YWRtaW46YWRtaW4="),
                new Hostile("space", "\"abc X-Spaced\"", "\"Bearer\"", "token-malformed", "a space", "X-Spaced"),
                new Hostile("1 MB", "\"" + "m".repeat(1_000_000) + "\"", "\"Bearer\"", "token-malformed",
                        "max-token-length=8192", "mmmmmmmm"),
                new Hostile("empty after trim", "\"   \"", "\"Bearer\"", "token-malformed", "empty", "\"   \""),
                new Hostile("not a string", "{\"x\":\"X-Object\"}", "\"Bearer\"", "token-malformed", "not a string",
                        "X-Object"),
                new Hostile("token_type DPoP", "\"dpop-bound-token\"", "\"DPoP\"", "token-type-unsupported", "'DPoP'",
                        "dpop-bound-token"),
                new Hostile("token_type mac", "\"mac-token\"", "\"mac\"", "token-type-unsupported", "'mac'",
                        "mac-token"));
    }

    @BeforeEach
    void start() throws Exception {
        upstream = new CountingUpstream();
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    }

    @AfterEach
    void stop() throws Exception {
        if (loopback != null) {
            loopback.close();
        }
        upstream.close();
    }

    private void startLoopback(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("upstream-url", upstream.url(), "refresh-ahead", "0"));
        settings.putAll(extra);
        loopback = new LoopbackTestServer(settings, clock);
    }

    private HttpResponse<String> token() throws Exception {
        return loopback.post("", FORM, BODY);
    }

    private static String cache(HttpResponse<String> r) {
        return r.headers().firstValue("X-Loopback-Cache").orElse("none");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void aHostileTokenIsA502ProblemNamingTheRuleNeverStoredNeverEchoedNorLogged(Hostile hostile) throws Exception {
        upstream.script(n -> new Answer(200, "application/json", hostile.body(), Map.of()));
        // Room for the 1 MB answer, so that the token's own rules refuse it, not max-response-bytes (64 KiB).
        startLoopback(Map.of("max-response-bytes", "2MiB"));
        HttpResponse<String> first;
        HttpResponse<String> second;
        try (LogCapture logs = LogCapture.start(Level.ALL, "dev.authloopback")) {
            first = token();
            second = token();
            assertTrue(logs.text().contains("action=SKIP(" + hostile.slug().replace('-', '_') + ")"), logs::text);
            assertFalse(logs.contains(hostile.leak()), logs::text);
        }

        assertEquals(502, first.statusCode(), first.body());
        assertTrue(first.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                first.headers().toString());
        assertTrue(first.body().contains("\"type\":\"urn:authloopback:problem:" + hostile.slug() + "\""), first.body());
        assertTrue(first.body().contains(hostile.rule()), "the detail names the rule: " + first.body());
        assertFalse(first.body().contains(hostile.leak()), "the token is never echoed: " + first.body());
        assertTrue(first.body().length() < 1000, "a short problem, not the upstream body");
        assertFalse(first.headers().firstValue("ETag").isPresent(), first.headers().toString());
        assertEquals("no-store", first.headers().firstValue("Cache-Control").orElse(null));
        assertEquals(502, second.statusCode(), second.body());
        assertFalse("HIT".equals(cache(second)), "nothing was stored: " + second.headers());
        assertEquals(2, upstream.calls(), "each request asks upstream again: nothing was stored");

        String metrics = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/metrics")).build()).body();
        String reason = hostile.slug().replace('-', '_');
        assertTrue(metrics.contains("loopback_skips_total{profile=\"default\",reason=\"" + reason + "\"} 2.0"), metrics);
        assertTrue(metrics.contains("loopback_upstream_errors_total{kind=\"" + reason + "\",profile=\"default\"} 2.0"),
                metrics);
    }

    @Test
    void aGoodTokenAfterAHostileOneIsStoredAsUsual() throws Exception {
        upstream.script(n -> n == 1 ? new Answer(200, "application/json", "{\"access_token\":\"a\\rb\"}", Map.of())
                : Answer.token("good-" + n, 3600L));
        startLoopback(Map.of());
        assertEquals(502, token().statusCode());
        HttpResponse<String> good = token();
        HttpResponse<String> hit = token();
        assertEquals(200, good.statusCode(), good.body());
        assertEquals("MISS", cache(good));
        assertEquals("HIT", cache(hit));
        assertEquals(good.body(), hit.body());
        assertEquals(2, upstream.calls());
    }

    @Test
    void maxTokenLengthIsASettingExactlyAtItIsStoredOneOverIsRefused() throws Exception {
        String atLimit = "x".repeat(62) + "==";
        upstream.script(n -> n == 1 ? Answer.token(atLimit, 3600L) : Answer.token("y".repeat(65), 3600L));
        startLoopback(Map.of("max-token-length", "64", "key", "{form:scope}"));
        HttpResponse<String> stored = token();
        assertEquals(200, stored.statusCode(), stored.body());
        assertEquals("HIT", cache(token()));
        HttpResponse<String> over = loopback.post("", FORM, "grant_type=client_credentials&scope=other");
        assertEquals(502, over.statusCode(), over.body());
        assertTrue(over.body().contains("65 characters long, over max-token-length=64"), over.body());
    }

    @Test
    void afterFreshnessEndsAHostileAnswerIsCoveredByTheStillValidStaleToken() throws Exception {
        upstream.script(n -> n == 1 ? Answer.token("token-1", 3600L)
                : new Answer(200, "application/json", "{\"access_token\":\"a\\r\\nX-Injected: 1\"}", Map.of()));
        startLoopback(Map.of("ttl", "30m"));
        HttpResponse<String> first = token();
        clock.advance(Duration.ofMinutes(30));
        HttpResponse<String> stale = token();
        assertEquals(200, stale.statusCode(), stale.body());
        assertEquals("STALE", cache(stale));
        assertEquals(first.body(), stale.body());
    }

    @Test
    void passMethodsRefuseAHostileTokenToo() throws Exception {
        upstream.script(n -> new Answer(200, "application/json", "{\"access_token\":\"a b\"}", Map.of()));
        startLoopback(Map.of("pass-methods", "GET"));
        HttpResponse<String> bypass = loopback.send(HttpRequest.newBuilder(loopback.uri("")).GET().build());
        assertEquals(502, bypass.statusCode(), bypass.body());
        assertTrue(bypass.body().contains("token-malformed"), bypass.body());
        assertFalse(bypass.body().contains("a b"), bypass.body());
    }

    @Test
    void repeatedHostileAnswersMakeHealthDownWithTheReasonNamed() throws Exception {
        upstream.script(n -> new Answer(200, "application/json", "{\"access_token\":\"x\",\"token_type\":\"DPoP\"}",
                Map.of()));
        startLoopback(Map.of());
        for (int i = 0; i < 2; i++) {
            assertEquals(502, token().statusCode());
        }
        HttpResponse<String> health = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/health")).build());
        assertEquals(503, health.statusCode(), health.body());
        assertTrue(health.body().contains("token_type_unsupported"), health.body());
        assertTrue(List.of(health.body()).stream().noneMatch(b -> b.contains("\"x\"")), health.body());
    }
}
