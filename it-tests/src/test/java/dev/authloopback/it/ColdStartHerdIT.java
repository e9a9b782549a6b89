package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Call;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Single flight on a cold loopback (issue 4): concurrent misses for one key make exactly one
 * upstream call and share its outcome; different keys proceed in parallel (no global lock);
 * errors are shared with every waiter and never stored.
 *
 * <p>The upstream holds its answer at least 300 ms and until the whole herd is inside the
 * loopback (Jetty's active-request count), so no request can arrive after the call finished and
 * legitimately start a second one: a second upstream call can only mean a single-flight failure.
 */
class ColdStartHerdIT {

    private static final int HERD = 200;
    private static final Duration HOLD = Duration.ofMillis(300);
    private static final Duration MAX_HOLD = Duration.ofSeconds(20);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();

    private static String body(String scope) {
        return "grant_type=client_credentials&client_id=herd&client_secret=herd-secret&scope=" + scope;
    }

    @Test
    void twoHundredConcurrentMissesForOneKeyMakeExactlyOneUpstreamCall() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            upstream.otherwise(Answer.holdUntil(HOLD, () -> loopback.activeRequests() >= HERD, MAX_HOLD, Answer.ok()));

            Herd.Outcome herd = Herd.run(HERD, TIMEOUT, i -> http.post(loopback.tokenUrl(), FORM, body("one")));
            Supplier<String> message = () -> summary(herd, upstream);

            assertTrue(herd.answers().stream().allMatch(a -> a.status() == 200), message);
            assertEquals(1, upstream.callCount(), message);
            Set<String> tokens = herd.answers().stream().map(ColdStartHerdIT::accessToken).collect(Collectors.toSet());
            assertEquals(1, tokens.size(), message);
            Map<String, Long> states = cacheStates(herd);
            assertEquals(1L, states.getOrDefault("MISS", 0L), message);
            assertEquals(HERD - 1L, states.getOrDefault("COALESCED", 0L) + states.getOrDefault("HIT", 0L), message);

            System.out.printf("ColdStartHerdIT one key: %d requests, %d upstream call(s), %d distinct token(s), states %s,"
                    + " wall %d ms%n", HERD, upstream.callCount(), tokens.size(), states, herd.wallTime().toMillis());
        }
    }

    @Test
    void fourKeysMakeFourUpstreamCallsThatOverlapInTime() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            upstream.otherwise(Answer.holdUntil(HOLD, () -> loopback.activeRequests() >= HERD, MAX_HOLD, Answer.ok()));

            Herd.Outcome herd = Herd.run(HERD, TIMEOUT, i -> http.post(loopback.tokenUrl(), FORM, body("k" + i % 4)));
            Supplier<String> message = () -> summary(herd, upstream);

            assertTrue(herd.answers().stream().allMatch(a -> a.status() == 200), message);
            assertEquals(4, upstream.callCount(), message);
            for (int key = 0; key < 4; key++) {
                int k = key;
                Set<String> tokens = new java.util.HashSet<>();
                for (int i = k; i < HERD; i += 4) {
                    tokens.add(accessToken(herd.answers().get(i)));
                }
                assertEquals(1, tokens.size(), () -> "key k" + k + ": " + message.get());
            }
            List<Call> calls = upstream.awaitCalls(4, Duration.ofSeconds(5));
            assertEquals(4, calls.size(), message);
            for (Call a : calls) {
                for (Call b : calls) {
                    assertTrue(a.overlaps(b), () -> "upstream calls did not overlap (a global lock?): " + calls);
                }
            }
            long overlapMillis = Duration.ofNanos(calls.stream().mapToLong(Call::endNanos).min().orElseThrow()
                    - calls.stream().mapToLong(Call::startNanos).max().orElseThrow()).toMillis();
            System.out.printf("ColdStartHerdIT four keys: %d requests, %d upstream calls, all four in flight together"
                    + " for %d ms, wall %d ms%n", HERD, upstream.callCount(), overlapMillis, herd.wallTime().toMillis());
        }
    }

    @Test
    void herdAnswered503SharesTheErrorStoresNothingAndTheNextRequestAsksUpstreamAgain() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            upstream.otherwise(Answer.holdUntil(HOLD, () -> loopback.activeRequests() >= HERD, MAX_HOLD, Answer.status(503)));

            Herd.Outcome herd = Herd.run(HERD, TIMEOUT, i -> http.post(loopback.tokenUrl(), FORM, body("one")));
            Supplier<String> message = () -> summary(herd, upstream);

            assertTrue(herd.answers().stream().allMatch(a -> a.status() == 503), message);
            assertEquals(1, upstream.callCount(), message);

            upstream.otherwise(Answer.ok());
            Http.Answer next = http.post(loopback.tokenUrl(), FORM, body("one"));
            assertEquals(200, next.status(), () -> next + "\n" + message.get());
            assertEquals(2, upstream.callCount(), () -> next + "\n" + message.get());
            assertEquals("MISS", next.header("X-Loopback-Cache"), next::toString);

            System.out.printf("ColdStartHerdIT 503 herd: %d requests, all 503, %d upstream call, next request -> %d %s,"
                    + " wall %d ms%n", HERD, 1, next.status(), next.header("X-Loopback-Cache"), herd.wallTime().toMillis());
        }
    }

    private static String accessToken(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("access_token").asText(null);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + answer, e);
        }
    }

    private static Map<String, Long> cacheStates(Herd.Outcome herd) {
        return herd.answers().stream().collect(Collectors.groupingBy(
                a -> String.valueOf(a.header("X-Loopback-Cache")), TreeMap::new, Collectors.counting()));
    }

    private static String summary(Herd.Outcome herd, FaultyUpstream upstream) {
        Map<Integer, Long> statuses = herd.answers().stream()
                .collect(Collectors.groupingBy(Http.Answer::status, TreeMap::new, Collectors.counting()));
        return "statuses " + statuses + ", cache states " + cacheStates(herd) + ", upstream calls "
                + upstream.callCount() + " " + upstream.calls() + ", first answer " + herd.answers().get(0);
    }
}
