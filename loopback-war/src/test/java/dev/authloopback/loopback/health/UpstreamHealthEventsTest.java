package dev.authloopback.loopback.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.loopback.outcome.CacheStatus;
import dev.authloopback.loopback.outcome.RefreshOutcome;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;

/** The typed events the proxy's counters pass on, and the outage rule health applies to them. */
class UpstreamHealthEventsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final UpstreamHealth health = new UpstreamHealth("default", "idp.example:443", 1, clock);

    @Test
    void fiveHundredsAnd429AreOutagesAndEveryOtherStatusProvesTheEndpointUp() {
        for (int status : new int[] {500, 502, 503, 504, 429}) {
            assertTrue(UpstreamHealth.isOutage(status), String.valueOf(status));
        }
        for (int status : new int[] {200, 201, 302, 400, 401, 403, 404, 428}) {
            assertFalse(UpstreamHealth.isOutage(status), String.valueOf(status));
        }
    }

    @Test
    void anUpstream503ThatReachedTheCallerIsDownAndA401AfterItIsUp() {
        health.upstreamAnswered(503);
        health.callerAnswered(CacheStatus.MISS);
        assertEquals(HealthStatus.DOWN, health.status(), health.checks().toString());
        assertTrue(upstreamDetail().contains("failed (status_503)"), upstreamDetail());

        health.upstreamAnswered(401);
        health.callerAnswered(CacheStatus.MISS);
        assertEquals(HealthStatus.UP, health.status(), health.checks().toString());
    }

    @Test
    void aFailureKindIsNamedInTheDetailAndAStaleAnswerCoversIt() {
        health.upstreamFailed(UpstreamFailure.Kind.CONNECT_FAILED);
        health.callerAnswered(CacheStatus.STALE);
        assertEquals(HealthStatus.DEGRADED, health.status(), health.checks().toString());
        assertTrue(upstreamDetail().contains("failed (connect_failed)"), upstreamDetail());
    }

    @Test
    void aHitSaysNothingAboutTheUpstream() {
        health.upstreamFailed(UpstreamFailure.Kind.TIMEOUT);
        health.callerAnswered(CacheStatus.HIT);
        health.callerAnswered(CacheStatus.FAILED);
        assertEquals(HealthStatus.DOWN, health.status(), health.checks().toString());
    }

    @Test
    void aRefreshThatStoredNothingKeptTheOldEntryAndIsNotDown() {
        health.upstreamFailed(UpstreamFailure.Kind.TIMEOUT);
        health.refreshed(RefreshOutcome.FAILED);
        assertEquals(HealthStatus.DEGRADED, health.status(), health.checks().toString());

        health.upstreamAnswered(503);
        health.refreshed(RefreshOutcome.SKIPPED);
        assertEquals(HealthStatus.DEGRADED, health.status(), health.checks().toString());

        health.upstreamAnswered(200);
        health.refreshed(RefreshOutcome.STORED);
        assertEquals(HealthStatus.UP, health.status(), health.checks().toString());
    }

    private String upstreamDetail() {
        return health.checks().stream().filter(c -> c.name().equals("upstream")).findFirst().orElseThrow().detail();
    }
}
