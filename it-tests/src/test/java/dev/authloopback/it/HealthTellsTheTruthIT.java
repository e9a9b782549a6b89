package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.MutableClock;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Health follows the upstream: UP, DOWN (503) within 2 refused connections, DEGRADED while a stale
 * token stands in, UP again once the token endpoint answers. Each state change leaves one log line.
 * Token lifetime 600 s and {@code ttl} 300 s: at 400 s the entry is stale but still valid.
 */
class HealthTellsTheTruthIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String KEY_A = "grant_type=client_credentials&client_id=a&client_secret=secret-a";
    private static final String KEY_B = "grant_type=client_credentials&client_id=b&client_secret=secret-b";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();

    @Test
    void refusedConnectionsAreDownWithinTwoCallsStaleIsDegradedAndRecoveryIsUp() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        try (LogCapture logs = LogCapture.start(Level.INFO, "dev.authloopback");
             FaultyUpstream upstream = FaultyUpstream.start().otherwise(Answer.ok(600));
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("ttl", "300s").clock(clock).start()) {
            Http.Answer first = post(loopback, KEY_A);
            Http.Answer up = health(loopback);

            upstream.refuseConnections();
            Http.Answer refused1 = post(loopback, KEY_B);
            Http.Answer afterOne = health(loopback);
            Http.Answer refused2 = post(loopback, KEY_B);
            Http.Answer down = health(loopback);
            Http.Answer downReady = http.get(loopback.url("/admin/health/ready"));
            Http.Answer downLive = http.get(loopback.url("/admin/health/live"));

            clock.advance(Duration.ofSeconds(400));
            Http.Answer stale = post(loopback, KEY_A);
            Http.Answer degraded = health(loopback);

            upstream.acceptConnections();
            Http.Answer recovered = post(loopback, KEY_A);
            Http.Answer upAgain = health(loopback);
            Supplier<String> message = () -> String.join("\n", "first: " + first, "up: " + up, "refused 1: " + refused1,
                    "after one: " + afterOne, "refused 2: " + refused2, "down: " + down, "ready: " + downReady,
                    "live: " + downLive, "stale: " + stale, "degraded: " + degraded, "recovered: " + recovered,
                    "up again: " + upAgain, "log:\n" + logs.text());

            assertEquals(200, first.status(), message);
            assertState(up, 200, "UP", message);
            assertEquals(List.of(), reasons(up), message.get());

            assertEquals(502, refused1.status(), message);
            assertState(afterOne, 200, "DEGRADED", message);
            assertEquals("upstream_failed", check(afterOne, "upstream").path("reason").asText(), message);

            assertEquals(502, refused2.status(), message);
            assertState(down, 503, "DOWN", message);
            JsonNode upstreamCheck = check(down, "upstream");
            assertEquals("DOWN", upstreamCheck.path("status").asText(), message);
            assertEquals("upstream_failing", upstreamCheck.path("reason").asText(), message);
            assertTrue(upstreamCheck.path("detail").asText().startsWith("the last 2 upstream calls to 127.0.0.1:"),
                    message);
            assertTrue(upstreamCheck.path("detail").asText().contains("failed (connect_failed) since "), message);
            assertEquals(1, reasons(down).size(), message.get());
            assertTrue(reasons(down).get(0).startsWith("default: upstream_failing ("), message);
            assertState(downReady, 503, "DOWN", message);
            assertEquals("upstream_failing", json(downReady).path("profiles").path("default").path("reasons").path(0).asText(),
                    message);
            assertEquals(200, downLive.status(), message);
            assertEquals("UP", json(downLive).path("status").asText(), message);

            assertEquals("STALE", stale.header("X-Loopback-Cache"), message);
            assertState(degraded, 200, "DEGRADED", message);
            assertEquals("stale_served", check(degraded, "stale").path("reason").asText(), message);
            assertEquals("DEGRADED", check(degraded, "upstream").path("status").asText(), message);

            assertEquals("MISS", recovered.header("X-Loopback-Cache"), message);
            assertState(upAgain, 200, "UP", message);
            assertEquals("UP", check(upAgain, "stale").path("status").asText(), message);

            List<String> changes = logs.linesContaining("health=");
            assertEquals(4, changes.size(), message);
            assertTrue(changes.get(0).contains("WARNING") && changes.get(0).contains("profile=default health=DEGRADED was=UP"
                    + " reason=upstream_failed"), message);
            assertTrue(changes.get(1).contains("WARNING") && changes.get(1).contains("health=DOWN was=DEGRADED"
                    + " reason=upstream_failing"), message);
            assertTrue(changes.get(2).contains("health=DEGRADED was=DOWN"), message);
            assertTrue(changes.get(3).contains("INFO") && changes.get(3).contains("health=UP was=DEGRADED"), message);

            System.out.println("=== health samples (docs/operations.md) ===\nUP: " + up.body() + "\nDOWN: " + down.body()
                    + "\nDOWN, readiness: " + downReady.body() + "\nDEGRADED: " + degraded.body()
                    + "\nstate changes:\n" + String.join("\n", changes));
        }
    }

    @Test
    void aFourHundredFromTheTokenEndpointIsTheCallersProblemNotTheLoopbacksHealth() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start().otherwise(Answer.status(401));
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            Http.Answer refused1 = post(loopback, KEY_A);
            Http.Answer refused2 = post(loopback, KEY_B);
            Http.Answer health = health(loopback);
            Supplier<String> message = () -> refused1 + "\n" + refused2 + "\n" + health;

            assertEquals(401, refused2.status(), message);
            assertState(health, 200, "UP", message);
        }
    }

    private static void assertState(Http.Answer health, int status, String state, Supplier<String> message) {
        assertEquals(status, health.status(), message);
        assertEquals("application/json", health.header("Content-Type"), message);
        assertEquals(state, json(health).path("status").asText(), message);
        assertEquals(state, json(health).path("profiles").path("default").path("status").asText(), message);
    }

    private static JsonNode check(Http.Answer health, String name) {
        return json(health).path("profiles").path("default").path("checks").path(name);
    }

    private static List<String> reasons(Http.Answer health) {
        return json(health).path("reasons").valueStream().map(JsonNode::asText).toList();
    }

    private static JsonNode json(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + answer, e);
        }
    }

    private Http.Answer health(LoopbackServer loopback) {
        return http.get(loopback.url("/admin/health"));
    }

    private Http.Answer post(LoopbackServer loopback, String body) {
        return http.post(loopback.tokenUrl(), FORM, body);
    }
}
