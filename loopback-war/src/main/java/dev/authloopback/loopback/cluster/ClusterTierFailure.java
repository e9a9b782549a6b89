package dev.authloopback.loopback.cluster;

/**
 * A clustered cache operation that did not complete (server gone, timed out, connection closed).
 * Thrown instead of Ehcache's default of quietly acting as a miss, so the node learns of the outage
 * on the first failed call and stops asking the cluster until it is back.
 */
final class ClusterTierFailure extends RuntimeException {
    ClusterTierFailure(Throwable cause) {
        super(cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause,
                false, false);
    }
}
