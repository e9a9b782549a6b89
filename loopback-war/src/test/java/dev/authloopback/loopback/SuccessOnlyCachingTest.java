package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.CountingUpstream.Answer;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuccessOnlyCachingTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&scope=read";
    private static final String BASIC = "Basic Y2xpZW50OnNlY3JldA==";

    private CountingUpstream upstream;
    private MutableClock clock;
    private LoopbackTestServer loopback;

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

    private HttpResponse<String> tokenRequest(String body) throws Exception {
        return loopback.post("", FORM, body, "Authorization", BASIC);
    }

    @Test
    void secondIdenticalPostIsAHitWithTheSameBodyAndNoSecondUpstreamCall() throws Exception {
        startLoopback(Map.of());
        HttpResponse<String> first = tokenRequest(BODY);
        HttpResponse<String> second = tokenRequest(BODY);

        assertEquals(200, first.statusCode(), first.body());
        assertEquals("MISS", first.headers().firstValue("X-Loopback-Cache").orElse(null), first.headers().toString());
        assertEquals("HIT", second.headers().firstValue("X-Loopback-Cache").orElse(null), second.headers().toString());
        assertEquals(first.body(), second.body());
        assertEquals(1, upstream.calls(), "upstream calls");
        assertEquals("no-store", second.headers().firstValue("Cache-Control").orElse(null));
        assertEquals("no-store", first.headers().firstValue("Cache-Control").orElse(null));
        assertEquals("0", second.headers().firstValue("Age").orElse(null), second.headers().toString());
        assertTrue(first.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        String etag = first.headers().firstValue("ETag").orElse(null);
        assertNotNull(etag, first.headers().toString());
        assertEquals(etag, second.headers().firstValue("ETag").orElse(null));
        assertFalse(etag.contains("tok-"), "the ETag must not carry the token: " + etag);
    }

    @Test
    void forwardsMethodBodyContentTypeAndAuthorizationUnchanged() throws Exception {
        startLoopback(Map.of());
        tokenRequest(BODY);
        CountingUpstream.Received seen = upstream.received().get(0);
        assertEquals("POST", seen.method());
        assertEquals(BODY, seen.body());
        assertEquals(FORM, seen.contentType());
        assertEquals(BASIC, seen.authorization());
    }

    @Test
    void jsonTokenRequestsAreProxiedAndCachedToo() throws Exception {
        startLoopback(Map.of());
        String json = "{\"grant_type\":\"client_credentials\",\"client_id\":\"a\",\"client_secret\":\"b\"}";
        HttpResponse<String> first = loopback.post("", "application/json", json);
        HttpResponse<String> second = loopback.post("", "application/json",
                "{\"client_secret\":\"b\",\"client_id\":\"a\",\"grant_type\":\"client_credentials\"}");
        assertEquals("MISS", first.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals("HIT", second.headers().firstValue("X-Loopback-Cache").orElse(null),
                "same JSON with other member order is the same request: " + second.headers());
        assertEquals(json, upstream.received().get(0).body());
        assertEquals(1, upstream.calls());
    }

    @ParameterizedTest(name = "upstream {0} is passed back and never stored")
    @ValueSource(ints = {400, 401, 403, 429, 500, 503})
    void upstreamErrorsArePassedBackUnchangedAndNeverStored(int status) throws Exception {
        startLoopback(Map.of());
        String errorBody = "{\"error\":\"e" + status + "\"}";
        upstream.script(n -> new Answer(status, "application/json", errorBody, Map.of("Retry-After", "7")));

        HttpResponse<String> first = tokenRequest(BODY);
        HttpResponse<String> second = tokenRequest(BODY);

        assertEquals(status, first.statusCode(), first.body());
        assertEquals(errorBody, first.body());
        assertEquals("7", first.headers().firstValue("Retry-After").orElse(null), first.headers().toString());
        assertEquals("no-store", first.headers().firstValue("Cache-Control").orElse(null));
        assertEquals(status, second.statusCode(), second.body());
        assertEquals("MISS", second.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals(2, upstream.calls(), "an error must never be served from the cache");
    }

    @Test
    void successWithoutAccessTokenIsPassedBackAndNeverStored() throws Exception {
        startLoopback(Map.of());
        upstream.script(n -> new Answer(200, "application/json", "{\"token_type\":\"Bearer\"}", Map.of()));
        HttpResponse<String> first = tokenRequest(BODY);
        tokenRequest(BODY);
        assertEquals(200, first.statusCode());
        assertEquals("{\"token_type\":\"Bearer\"}", first.body());
        assertEquals(2, upstream.calls());
    }

    @Test
    void successThatIsNotJsonIsPassedBackAndNeverStored() throws Exception {
        startLoopback(Map.of());
        upstream.script(n -> new Answer(200, "text/html", "<html>login</html>", Map.of()));
        HttpResponse<String> first = tokenRequest(BODY);
        tokenRequest(BODY);
        assertEquals("<html>login</html>", first.body());
        assertEquals(2, upstream.calls());
    }

    @Test
    void otherScopeOrOtherCredentialsIsAMiss() throws Exception {
        startLoopback(Map.of());
        tokenRequest(BODY);
        HttpResponse<String> otherScope = tokenRequest("grant_type=client_credentials&scope=write");
        HttpResponse<String> otherClient = loopback.post("", FORM, BODY, "Authorization", "Basic b3RoZXI6b3RoZXI=");
        assertEquals("MISS", otherScope.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals("MISS", otherClient.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals(3, upstream.calls());
    }

    @Test
    void freshnessEndsAtExpiresInMinusSkew() throws Exception {
        upstream.expiresIn(3600);
        startLoopback(Map.of());
        tokenRequest(BODY);
        clock.advance(Duration.ofSeconds(3600 - 60).minusMillis(1));
        assertEquals("HIT", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
        clock.advance(Duration.ofMillis(1));
        assertEquals("MISS", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals(2, upstream.calls());
    }

    @Test
    void thirtySecondTokenIsStillCachedForTwentySevenSeconds() throws Exception {
        upstream.expiresIn(30);
        startLoopback(Map.of());
        tokenRequest(BODY);
        clock.advance(Duration.ofSeconds(27).minusMillis(1));
        HttpResponse<String> hit = tokenRequest(BODY);
        assertEquals("HIT", hit.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals("26", hit.headers().firstValue("Age").orElse(null));
        clock.advance(Duration.ofMillis(1));
        assertEquals("MISS", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
    }

    @Test
    void answerWithoutExpiresInIsCachedForTtl() throws Exception {
        upstream.script(n -> Answer.token("tok-" + n, null));
        startLoopback(Map.of("ttl", "10m"));
        tokenRequest(BODY);
        clock.advance(Duration.ofMinutes(10).minusMillis(1));
        assertEquals("HIT", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
        clock.advance(Duration.ofMillis(1));
        assertEquals("MISS", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
    }

    @Test
    void ttlCapsALongLivedToken() throws Exception {
        upstream.expiresIn(36000);
        startLoopback(Map.of("ttl", "8h"));
        tokenRequest(BODY);
        clock.advance(Duration.ofHours(8).minusMillis(1));
        assertEquals("HIT", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
        clock.advance(Duration.ofMillis(1));
        assertNotEquals("HIT", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
    }

    @Test
    void unusedEntryIsEvictedAfterTti() throws Exception {
        upstream.expiresIn(36000);
        startLoopback(Map.of("tti", "5m"));
        tokenRequest(BODY);
        clock.advance(Duration.ofMinutes(4));
        assertEquals("HIT", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null),
                "a read resets the idle time");
        clock.advance(Duration.ofMinutes(4));
        assertEquals("HIT", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
        clock.advance(Duration.ofMinutes(5));
        assertEquals("MISS", tokenRequest(BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals(2, upstream.calls());
    }

    @Test
    void noAgeHeaderOnAMiss() throws Exception {
        startLoopback(Map.of());
        assertNull(tokenRequest(BODY).headers().firstValue("Age").orElse(null));
    }
}
