package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.MutableClock;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Refresh ahead on the injected clock (issue 4). Token lifetime 600 s: fresh for 540 s; with
 * refresh-ahead 0.1 the window is the last 27..54 s (per-key jitter), so 520 s is inside it
 * whatever the jitter.
 */
class RefreshAheadIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&client_id=ahead&client_secret=ahead-secret";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();

    @Test
    void hitInsideTheWindowIsServedTheOldTokenAtOnceAndOneBackgroundRefreshReplacesIt() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        try (FaultyUpstream upstream = FaultyUpstream.start().otherwise(Answer.ok(600));
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).clock(clock).start()) {
            Http.Answer first = post(loopback);
            // The refresh is held, so an answer that waited for it would carry the new token.
            upstream.otherwise(Answer.hold(Duration.ofMillis(300), Answer.ok(600)));
            clock.advance(Duration.ofSeconds(520));
            Http.Answer inWindow = post(loopback);
            List<Http.Answer> after = pollUntilTokenChanges(loopback, token(first));
            Http.Answer last = after.get(after.size() - 1);
            Supplier<String> message = () -> "first: " + first + "\nin window: " + inWindow + "\nafter: " + after
                    + "\nupstream: " + upstream.calls();

            assertEquals("HIT", inWindow.header("X-Loopback-Cache"), message);
            assertEquals(token(first), token(inWindow), message);
            assertNotEquals(token(first), token(last), message);
            assertEquals("HIT", last.header("X-Loopback-Cache"), message);
            assertEquals(2, upstream.callCount(), message);
        }
    }

    @Test
    void failingRefreshLeavesTheOldTokenServedUntilItsExpiry() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        try (FaultyUpstream upstream = FaultyUpstream.start().otherwise(Answer.ok(600));
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).clock(clock).start()) {
            Http.Answer first = post(loopback);
            upstream.otherwise(Answer.status(503));
            clock.advance(Duration.ofSeconds(520));
            Http.Answer inWindow = post(loopback);
            awaitCompletedCalls(upstream, 2);
            Http.Answer afterFailedRefresh = post(loopback);
            clock.advance(Duration.ofSeconds(19)); // 539 s: still fresh
            Http.Answer lastFreshSecond = post(loopback);
            clock.advance(Duration.ofSeconds(2)); // 541 s: past lifetime - skew
            Http.Answer expired = post(loopback);
            Supplier<String> message = () -> "first: " + first + "\nin window: " + inWindow + "\nafter failed refresh: "
                    + afterFailedRefresh + "\nat 539 s: " + lastFreshSecond + "\nat 541 s: " + expired
                    + "\nupstream: " + upstream.calls();

            assertNotNull(token(first), message);
            for (Http.Answer served : List.of(inWindow, afterFailedRefresh, lastFreshSecond)) {
                assertEquals(200, served.status(), message);
                assertEquals(token(first), token(served), message);
            }
            assertEquals(503, expired.status(), message);
        }
    }

    private List<Http.Answer> pollUntilTokenChanges(LoopbackServer loopback, String old) throws InterruptedException {
        List<Http.Answer> answers = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Http.Answer answer = post(loopback);
            answers.add(answer);
            if (!old.equals(token(answer))) {
                break;
            }
            Thread.sleep(50);
        }
        return answers;
    }

    private static void awaitCompletedCalls(FaultyUpstream upstream, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (upstream.calls().size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // The loopback records the failed refresh just after the upstream answered; give it that moment.
        Thread.sleep(100);
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
