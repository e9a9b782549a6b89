package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.CountingUpstream.Answer;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RefreshAheadAndStaleTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials";

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
        loopback.close();
        upstream.close();
    }

    private void startLoopback(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("upstream-url", upstream.url()));
        settings.putAll(extra);
        loopback = new LoopbackTestServer(settings, clock);
    }

    private HttpResponse<String> token() throws Exception {
        return loopback.post("", FORM, BODY);
    }

    private static String cache(HttpResponse<String> r) {
        return r.headers().firstValue("X-Loopback-Cache").orElse("none");
    }

    /** Bounded wait for background work (not for expiry: time is the clock's). */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void hitInsideTheRefreshWindowServesTheOldTokenAndRefreshesOnceInTheBackground() throws Exception {
        upstream.script(n -> Answer.token("token-" + n, 1000L));
        startLoopback(Map.of("refresh-ahead", "0.1"));
        HttpResponse<String> first = token();
        // fresh for 1000 s - 60 s skew = 940 s; the window is the last 47..94 s of it.
        clock.advance(Duration.ofSeconds(930));

        HttpResponse<String> inWindow = token();
        assertEquals("HIT", cache(inWindow));
        assertEquals(first.body(), inWindow.body(), "the old token is served at once");
        await(() -> upstream.calls() == 2, "the background refresh");
        HttpResponse<String> afterRefresh = awaitNewToken(first.body());

        assertTrue(afterRefresh.body().contains("token-2"), afterRefresh.body());
        assertEquals("HIT", cache(afterRefresh));
        assertEquals(2, upstream.calls(), "exactly one refresh");
    }

    private HttpResponse<String> awaitNewToken(String old) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            HttpResponse<String> r = token();
            if (!r.body().equals(old) || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aFailingRefreshKeepsTheOldTokenUntilItsExpiry() throws Exception {
        upstream.script(n -> n == 1 ? Answer.token("token-1", 1000L)
                : new Answer(503, "application/json", "{\"error\":\"down\"}", Map.of()));
        startLoopback(Map.of("refresh-ahead", "0.1"));
        HttpResponse<String> first = token();
        clock.advance(Duration.ofSeconds(930));
        assertEquals(first.body(), token().body());
        await(() -> upstream.calls() >= 2, "the failed refresh");

        clock.advance(Duration.ofSeconds(9).plusMillis(999));
        HttpResponse<String> lastFresh = token();
        assertEquals("HIT", cache(lastFresh));
        assertEquals(first.body(), lastFresh.body(), "old token still served while fresh");
        clock.advance(Duration.ofMillis(1));
        HttpResponse<String> expired = token();
        assertEquals(503, expired.statusCode(), "past its expiry the old token is never served");
    }

    @Test
    void afterFreshnessEndsAnOutageIsAnsweredStaleUntilTheTokenItselfExpires() throws Exception {
        upstream.script(n -> n == 1 ? Answer.token("token-1", 3600L)
                : new Answer(503, "application/json", "{\"error\":\"down\"}", Map.of()));
        startLoopback(Map.of("ttl", "30m", "refresh-ahead", "0"));
        HttpResponse<String> first = token();

        clock.advance(Duration.ofMinutes(30));
        HttpResponse<String> stale = token();
        assertEquals(200, stale.statusCode(), stale.body());
        assertEquals("STALE", cache(stale));
        assertEquals(first.body(), stale.body());
        assertEquals("1800", stale.headers().firstValue("Age").orElse(null));

        clock.advance(Duration.ofSeconds(3540 - 1800).minusMillis(1));
        assertEquals("STALE", cache(token()), "still valid one millisecond before lifetime - skew");
        clock.advance(Duration.ofMillis(1));
        HttpResponse<String> gone = token();
        assertEquals(503, gone.statusCode(), "never stale beyond lifetime - skew");
    }

    @Test
    void anUnreachableUpstreamAlsoFallsBackToStaleThenToA502Problem() throws Exception {
        upstream.script(n -> Answer.token("token-" + n, 3600L));
        startLoopback(Map.of("ttl", "30m", "refresh-ahead", "0", "connect-timeout", "1s"));
        HttpResponse<String> first = token();
        upstream.close();
        clock.advance(Duration.ofMinutes(31));
        HttpResponse<String> stale = token();
        assertEquals("STALE", cache(stale), stale.body());
        assertEquals(first.body(), stale.body());
        clock.advance(Duration.ofHours(1));
        HttpResponse<String> failed = token();
        assertEquals(502, failed.statusCode(), failed.body());
        assertEquals("application/problem+json", failed.headers().firstValue("Content-Type").orElse(null));
        assertTrue(failed.body().contains("\"status\":502"), failed.body());
    }

    @Test
    void refusalsAreNeverHiddenByAStaleToken() throws Exception {
        upstream.script(n -> n == 1 ? Answer.token("token-1", 3600L)
                : new Answer(401, "application/json", "{\"error\":\"invalid_client\"}", Map.of()));
        startLoopback(Map.of("ttl", "30m", "refresh-ahead", "0"));
        token();
        clock.advance(Duration.ofMinutes(31));
        HttpResponse<String> refused = token();
        assertEquals(401, refused.statusCode());
        assertNotEquals("STALE", cache(refused));
    }
}
