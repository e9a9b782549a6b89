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

    static void warn(String message) {
        LOG.log(System.Logger.Level.WARNING, message);
    }
}
