package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.MutableClock;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Expiry and stale-if-error proven on the loopback's injected clock, never by sleeping
 * (DESIGN "Expiry", "Stale if error"). Token lifetime 600 s, so skew = min(60 s, 600/10) = 60 s and
 * the token is valid for 540 s; refresh-ahead is off so each step is one plain answer.
 */
class ExpiryOnTheClockIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&client_id=clock&client_secret=clock-secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();

    @Test
    void entryIsServedUntilLifetimeMinusSkewThenTheNextRequestFetchesANewToken() {
        MutableClock clock = MutableClock.startingNow();
        try (FaultyUpstream upstream = FaultyUpstream.start().otherwise(Answer.ok(600));
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("refresh-ahead", "0").clock(clock).start()) {
            Http.Answer first = post(loopback);
            clock.advance(Duration.ofSeconds(530));
            Http.Answer stillFresh = post(loopback);
            clock.advance(Duration.ofSeconds(20)); // 550 s > 540 s
            Http.Answer expired = post(loopback);
            Supplier<String> message = () -> "first: " + first + "\nat 530 s: " + stillFresh + "\nat 550 s: " + expired;

            assertEquals("MISS", first.header("X-Loopback-Cache"), message);
            assertEquals("HIT", stillFresh.header("X-Loopback-Cache"), message);
            assertEquals("530", stillFresh.header("Age"), message);
            assertEquals(token(first), token(stillFresh), message);
            assertEquals("MISS", expired.header("X-Loopback-Cache"), message);
            assertNotEquals(token(first), token(expired), message);
            assertEquals(2, upstream.callCount(), message);
        }
    }

    @Test
    void afterFreshnessEndsAFailingUpstreamIsAnsweredStaleUntilTheTokenItselfExpiresNeverLonger() {
        MutableClock clock = MutableClock.startingNow();
        try (FaultyUpstream upstream = FaultyUpstream.start().otherwise(Answer.ok(600));
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("ttl", "300s").setting("refresh-ahead", "0").clock(clock).start()) {
            Http.Answer first = post(loopback);
            upstream.otherwise(Answer.status(503));
            clock.advance(Duration.ofSeconds(400)); // past ttl (300 s), token valid until 540 s
            Http.Answer stale = post(loopback);
            clock.advance(Duration.ofSeconds(150)); // 550 s: the token itself is no longer valid
            Http.Answer failed = post(loopback);
            upstream.otherwise(Answer.ok(600));
            Http.Answer recovered = post(loopback);
            Supplier<String> message = () -> "first: " + first + "\nat 400 s: " + stale + "\nat 550 s: " + failed
                    + "\nrecovered: " + recovered + "\nupstream: " + upstream.calls();

            assertEquals("MISS", first.header("X-Loopback-Cache"), message);
            assertEquals(200, stale.status(), message);
            assertEquals("STALE", stale.header("X-Loopback-Cache"), message);
            assertEquals(token(first), token(stale), message);
            assertEquals(503, failed.status(), message);
            assertEquals(200, recovered.status(), message);
            assertEquals("MISS", recovered.header("X-Loopback-Cache"), message);
            assertNotEquals(token(first), token(recovered), message);
            assertEquals(4, upstream.callCount(), message);
        }
    }

    private Http.Answer post(LoopbackServer loopback) {
        return http.post(loopback.tokenUrl(), FORM, BODY);
    }

    private static String token(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("access_token").asText(null);
        } catch (IOException e) {
            return null;
        }
    }
}
