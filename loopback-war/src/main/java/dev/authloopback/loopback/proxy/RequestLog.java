package dev.authloopback.loopback.proxy;

/**
 * The one line each request leaves in the log: profile, key id (a short hash), what the cache did,
 * upstream status and latency. Built only from values that cannot hold secrets.
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
        if (LOG.isLoggable(System.Logger.Level.INFO)) {
            LOG.log(System.Logger.Level.INFO, "profile=" + profile + " key=" + keyId + " cache=" + cache
                    + " action=" + action + " upstream=" + upstreamStatus
                    + " upstream_ms=" + (upstreamMillis < 0 ? "-" : String.valueOf(upstreamMillis))
                    + " status=" + status);
        }
    }

    /**
     * A HIT leaves a line only at DEBUG: a busy node serves tens of thousands a second, and HITs are
     * counted in the metrics instead (DESIGN.md, "Visibility").
     */
    static void hit(String profile, String keyId, int status) {
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "profile=" + profile + " key=" + keyId
                    + " cache=HIT action=- upstream=- upstream_ms=- status=" + status);
        }
    }

    static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }
}
