package dev.authloopback.loopback.cache;

/**
 * The right to call the upstream for one cold key, held by one node of a cluster until
 * {@code deadline} (epoch millis of the injected clock). Stored with {@code putIfAbsent} in the
 * clustered tier next to the tokens, so only one node fetches while the others wait for its result;
 * a holder that dies costs the others at most one deadline, after which one of them takes over.
 *
 * @param holder   the node (host, process, context) that holds it, for logs
 * @param nonce    tells two leases of one node apart
 * @param span     W3C traceparent of the holder's request (docs/tracing.md), so the callers that wait
 *                 on it on other nodes link to it; {@code null} when that request is not traced
 */
public record Lease(String holder, long nonce, long deadline, String span) {

    public Lease(String holder, long nonce, long deadline) {
        this(holder, nonce, deadline, null);
    }

    public boolean endedAt(long now) {
        return now >= deadline;
    }
}
