package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.CLOCK_ATTRIBUTE;
import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.authloopback.testsupport.MutableClock;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** local-ttl: off by default; when on, never longer than expires_in − min(60s, expires_in / 10). */
class NearCacheTest {

    /** Time for the filter, moved by the test; never a sleep. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private FakeLoopback loopback;
    private BusinessApp app;

    @BeforeEach
    void startLoopback() throws Exception {
        loopback = new FakeLoopback();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (app != null) {
            app.close();
        }
        loopback.close();
    }

    private void start(String localTtl) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put(TOKEN_URL_PARAM, loopback.url().toString());
        if (localTtl != null) {
            p.put(LOCAL_TTL_PARAM, localTtl);
        }
        app = new BusinessApp(p, Map.of(CLOCK_ATTRIBUTE, clock));
    }

    private String headerSeen() throws Exception {
        HttpResponse<String> response = app.get("/echo");
        assertEquals(200, response.statusCode(), response.body());
        return BusinessApp.echoed(response).get("header");
    }

    @Test
    void onByDefaultForTenSeconds() throws Exception {
        start(null);

        assertEquals("Bearer tok-1", headerSeen());
        clock.advance(Duration.ofSeconds(9));
        assertEquals("Bearer tok-1", headerSeen());
        clock.advance(Duration.ofSeconds(1));
        assertEquals("Bearer tok-2", headerSeen());

        assertEquals(2, loopback.tokenCalls.get());
    }

    @Test
    void zeroTurnsItOffSoEveryRequestAsksTheLoopback() throws Exception {
        start("0");

        headerSeen();
        headerSeen();
        headerSeen();

        assertEquals(3, loopback.tokenCalls.get());
    }

    @Test
    void onServesTheSameTokenUntilLocalTtlEnds() throws Exception {
        start("30s");

        assertEquals("Bearer tok-1", headerSeen());
        clock.advance(Duration.ofSeconds(29));
        assertEquals("Bearer tok-1", headerSeen());
        clock.advance(Duration.ofSeconds(1));
        assertEquals("Bearer tok-2", headerSeen());

        assertEquals(2, loopback.tokenCalls.get());
    }

    @Test
    void neverLongerThanExpiresInMinusSkew() throws Exception {
        loopback.expiresIn = 100; // skew = min(60s, 10s) = 10s, so fresh for 90s despite local-ttl 1h
        start("1h");

        assertEquals("Bearer tok-1", headerSeen());
        clock.advance(Duration.ofSeconds(89));
        assertEquals("Bearer tok-1", headerSeen());
        clock.advance(Duration.ofSeconds(1));
        assertEquals("Bearer tok-2", headerSeen());
    }

    @Test
    void theAgeOfALoopbackHitShortensTheLifetime() throws Exception {
        loopback.expiresIn = 3600;
        loopback.age = "3500"; // 100s left: skew 10s, fresh for 90s
        start("1h");

        assertEquals("Bearer tok-1", headerSeen());
        clock.advance(Duration.ofSeconds(90));
        assertEquals("Bearer tok-2", headerSeen());
    }
}
