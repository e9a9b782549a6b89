package dev.authloopback.loopback.health;

import dev.authloopback.loopback.outcome.CacheStatus;
import dev.authloopback.loopback.outcome.RefreshOutcome;
import dev.authloopback.loopback.outcome.UpstreamFailure;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the recent upstream calls of one profile say about its health, judged from the proxy's typed
 * events: {@link #upstreamAnswered(int)}, {@link #upstreamFailed(UpstreamFailure.Kind)},
 * {@link #callerAnswered(CacheStatus)} and {@link #refreshed(RefreshOutcome)}. A HIT returns at once:
 * only upstream calls and the answers that followed them take the lock.
 *
 * <ul>
 *   <li>UP: the last upstream call got an answer (any status but 5xx/429) or none was made yet.</li>
 *   <li>DEGRADED: the last call(s) failed, but fewer than {@code health-down-after} in a row, or a
 *       stored token stood in for the last failure (a STALE answer, or a failed refresh ahead that
 *       kept the old entry).</li>
 *   <li>DOWN: the last {@code health-down-after} calls failed and the last failure reached the caller
 *       as an error.</li>
 * </ul>
 * A 400/401/403 from the token endpoint proves it reachable: it is the caller's credentials that are
 * wrong, not the loopback's health. Every change of state leaves one log line.
 */
public final class UpstreamHealth {
    private static final System.Logger LOG = System.getLogger("dev.authloopback.loopback.health");

    private final String profile;
    private final String upstream;
    private final int downAfter;
    private final Clock clock;

    // All guarded by this; only upstream calls and stale answers take the lock.
    private int consecutiveFailures;
    private Instant failingSince;
    private String lastFailure;
    private boolean lastFailureCovered;
    private long staleAnswers;
    private Instant lastStaleAt;
    private Instant lastSuccessAt;
    private HealthStatus reported = HealthStatus.UP;

    /**
     * @param upstream  host:port of the token endpoint, for the check's detail
     * @param downAfter consecutive uncovered failures that make the profile DOWN (at least 1)
     */
    public UpstreamHealth(String profile, String upstream, int downAfter, Clock clock) {
        this.profile = Objects.requireNonNull(profile, "profile");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        if (downAfter < 1) {
            throw new IllegalArgumentException("downAfter must be >= 1, was " + downAfter);
        }
        this.downAfter = downAfter;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * An outage status: 5xx, or 429 (the endpoint sheds load). Any other answer, a 400/401/403
     * included, proves the endpoint up. Stale-if-error and the request log's WARNING level use the
     * same rule.
     */
    public static boolean isOutage(int status) {
        return status >= 500 || status == 429;
    }

    /** The token endpoint gave an HTTP answer: an outage ({@link #isOutage}) or proof that it is up. */
    public void upstreamAnswered(int status) {
        if (isOutage(status)) {
            failed("status_" + status);
        } else {
            answered();
        }
    }

    /** The token endpoint gave no usable HTTP answer: always an outage. */
    public void upstreamFailed(UpstreamFailure.Kind kind) {
        failed(kind.name().toLowerCase(Locale.ROOT));
    }

    /** A caller got its answer: what it says about the last upstream failure (nothing, for a HIT). */
    public void callerAnswered(CacheStatus status) {
        if (status == CacheStatus.HIT) {
            return; // the hot path: no upstream call, no lock
        }
        if (status == CacheStatus.STALE) {
            servedStale();
        } else {
            answerSent();
        }
    }

    /** A refresh ahead ended; one that stored nothing kept the old entry, so no caller saw it fail. */
    public void refreshed(RefreshOutcome outcome) {
        if (outcome != RefreshOutcome.STORED) {
            keptOldEntry();
        }
    }

    /** The upstream gave an HTTP answer that is not an outage (2xx, 3xx, 400/401/403/404...). */
    synchronized void answered() {
        consecutiveFailures = 0;
        failingSince = null;
        lastFailure = null;
        lastFailureCovered = false;
        staleAnswers = 0;
        lastStaleAt = null;
        lastSuccessAt = clock.instant();
        settle();
    }

    /**
     * The upstream failed: no answer, a 5xx or a 429 ({@code what} names it, e.g. {@code connect_failed}).
     * Not logged yet: whether a stored token stands in is known only once the caller is answered
     * ({@link #answerSent()}, {@link #servedStale()}), and a line per request saying DOWN then
     * DEGRADED would be noise.
     */
    synchronized void failed(String what) {
        if (consecutiveFailures++ == 0) {
            failingSince = clock.instant();
        }
        lastFailure = what;
        lastFailureCovered = false;
    }

    /** A caller got an answer that involved the upstream (not a HIT): the state is settled, log a change. */
    synchronized void answerSent() {
        settle();
    }

    /** The last failure was answered with a stored token still valid (STALE). */
    synchronized void servedStale() {
        staleAnswers++;
        lastStaleAt = clock.instant();
        lastFailureCovered = true;
        settle();
    }

    /** A refresh ahead failed and the old, still fresh entry stays in use: no caller saw the failure. */
    synchronized void keptOldEntry() {
        lastFailureCovered = true;
        settle();
    }

    /** The checks this tracker owns: {@code upstream} and {@code stale}. */
    public synchronized List<HealthCheck> checks() {
        List<HealthCheck> checks = new ArrayList<>(2);
        checks.add(upstreamCheck());
        checks.add(staleCheck());
        return checks;
    }

    public synchronized HealthStatus status() {
        return upstreamCheck().status().worst(staleCheck().status());
    }

    private HealthCheck upstreamCheck() {
        if (consecutiveFailures == 0) {
            return new HealthCheck("upstream", HealthStatus.UP, "ok", lastSuccessAt == null
                    ? "no upstream call yet (" + upstream + ")"
                    : "last upstream call to " + upstream + " answered at " + lastSuccessAt);
        }
        String failing = (consecutiveFailures == 1 ? "the last upstream call" : "the last " + consecutiveFailures
                + " upstream calls") + " to " + upstream + " failed (" + lastFailure + ") since " + failingSince
                + (lastSuccessAt == null ? "" : "; last answer at " + lastSuccessAt);
        if (consecutiveFailures >= downAfter && !lastFailureCovered) {
            return new HealthCheck("upstream", HealthStatus.DOWN, "upstream_failing", failing);
        }
        return new HealthCheck("upstream", HealthStatus.DEGRADED,
                consecutiveFailures >= downAfter ? "upstream_failing" : "upstream_failed",
                failing + (lastFailureCovered ? "; stored tokens still stand in" : ""));
    }

    private HealthCheck staleCheck() {
        if (staleAnswers == 0) {
            return new HealthCheck("stale", HealthStatus.UP, "ok", "no stale token served since the last upstream answer");
        }
        return new HealthCheck("stale", HealthStatus.DEGRADED, "stale_served", staleAnswers
                + (staleAnswers == 1 ? " stale token answer" : " stale token answers") + " since " + failingSince
                + ", last at " + lastStaleAt);
    }

    /** Logs one line when the state changes: WARNING into DEGRADED/DOWN, INFO back to UP. */
    private void settle() {
        HealthStatus now = status();
        if (now == reported) {
            return;
        }
        HealthStatus was = reported;
        reported = now;
        StringBuilder line = new StringBuilder("profile=").append(profile).append(" health=").append(now)
                .append(" was=").append(was);
        for (HealthCheck check : List.of(upstreamCheck(), staleCheck())) {
            if (check.status() != HealthStatus.UP) {
                line.append(" reason=").append(check.reason()).append(" (").append(check.detail()).append(')');
            }
        }
        LOG.log(now == HealthStatus.UP ? System.Logger.Level.INFO : System.Logger.Level.WARNING, line.toString());
    }
}
