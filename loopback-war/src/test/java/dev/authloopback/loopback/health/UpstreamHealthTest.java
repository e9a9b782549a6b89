package dev.authloopback.loopback.health;

import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamHealthTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final UpstreamHealth health = new UpstreamHealth("default", "idp.example:443", 2, clock);

    @Test
    void upBeforeAnyUpstreamCall() {
        assertEquals(HealthStatus.UP, health.status(), health.checks().toString());
        assertEquals("no upstream call yet (idp.example:443)", check("upstream").detail());
    }

    @Test
    void oneFailedCallIsDegradedAndTheSecondInARowIsDown() {
        health.answered();
        clock.advance(Duration.ofMinutes(5));
        health.failed("connect_failed");
        health.answerSent();
        assertEquals(HealthStatus.DEGRADED, health.status(), health.checks().toString());
        assertEquals("upstream_failed", check("upstream").reason());

        clock.advance(Duration.ofSeconds(10));
        health.failed("connect_failed");
        health.answerSent();
        assertEquals(HealthStatus.DOWN, health.status(), health.checks().toString());
        assertEquals("upstream_failing", check("upstream").reason());
        assertEquals("the last 2 upstream calls to idp.example:443 failed (connect_failed) since 2026-01-01T00:05:00Z;"
                + " last answer at 2026-01-01T00:00:00Z", check("upstream").detail());
    }

    @Test
    void aStaleAnswerStandingInForTheFailureIsDegradedNotDown() {
        health.failed("status_503");
        health.failed("status_503");
        health.servedStale();
        assertEquals(HealthStatus.DEGRADED, health.status(), health.checks().toString());
        assertEquals("stale_served", check("stale").reason());
        assertEquals(HealthStatus.DEGRADED, check("upstream").status());

        health.failed("status_503"); // another caller, no stored token for it
        health.answerSent();
        assertEquals(HealthStatus.DOWN, health.status(), health.checks().toString());
    }

    @Test
    void aFailedRefreshAheadKeepsTheOldEntryAndIsNotDown() {
        health.failed("timeout");
        health.keptOldEntry();
        health.failed("timeout");
        health.keptOldEntry();
        assertEquals(HealthStatus.DEGRADED, health.status(), health.checks().toString());
    }

    @Test
    void anyAnswerThatIsNotAnOutageRecoversToUpAndForgetsStaleAnswers() {
        health.failed("connect_failed");
        health.failed("connect_failed");
        health.servedStale();
        health.answered();
        assertEquals(HealthStatus.UP, health.status(), health.checks().toString());
        assertEquals(HealthStatus.UP, check("stale").status());
    }

    @Test
    void downAfterMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new UpstreamHealth("p", "h:1", 0, clock));
        assertTrue(e.getMessage().startsWith("downAfter"), e.getMessage());
    }

    private HealthCheck check(String name) {
        List<HealthCheck> checks = health.checks();
        return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
}
