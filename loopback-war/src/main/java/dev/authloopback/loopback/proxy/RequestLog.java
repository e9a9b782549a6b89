package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.cache.CacheKeys;
import dev.authloopback.loopback.health.UpstreamHealth;

/**
 * The one line each request leaves in the log: profile, key id (a short hash), what the cache did,
 * upstream status and latency. Built only from values that cannot hold secrets. Lines whose
 * upstream call failed (no answer, 5xx, 429) are WARNING, the rest INFO; HITs only at DEBUG.
 */
final class RequestLog {
    private static final System.Logger LOG = System.getLogger("dev.authloopback.loopback.requests");

    private RequestLog() {
    }

    /**
     * @param action         STORE, SKIP(reason), EVICT, ... or {@code -}
     * @param upstreamStatus the upstream status, {@code -} when not called, or the failure kind
     */
    static void line(String profile, String keyId, String cache, String action, String upstreamStatus,
                     long upstreamMillis, int status) {
        System.Logger.Level level = upstreamFailed(upstreamStatus) ? System.Logger.Level.WARNING
                : System.Logger.Level.INFO;
        if (LOG.isLoggable(level)) {
            LOG.log(level, "profile=" + profile + " key=" + keyId + " cache=" + cache
                    + " action=" + action + " upstream=" + upstreamStatus
                    + " upstream_ms=" + (upstreamMillis < 0 ? "-" : String.valueOf(upstreamMillis))
                    + " status=" + status);
        }
    }

    /** A failure kind (CONNECT_FAILED, TIMEOUT, ...) or an outage status ({@link UpstreamHealth#isOutage}); not "-". */
    private static boolean upstreamFailed(String upstreamStatus) {
        if ("-".equals(upstreamStatus) || upstreamStatus.isEmpty()) {
            return false;
        }
        if (!Character.isDigit(upstreamStatus.charAt(0))) {
            return true;
        }
        return UpstreamHealth.isOutage(Integer.parseInt(upstreamStatus));
    }

    /**
     * A HIT leaves a line only at DEBUG: a busy node serves tens of thousands a second, and HITs are
     * counted in the metrics instead (DESIGN.md, "Visibility").
     */
    static void hit(String profile, String key, int status) {
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "profile=" + profile + " key=" + CacheKeys.keyId(key)
                    + " cache=HIT action=- upstream=- upstream_ms=- status=" + status);
        }
    }

    static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }
}
