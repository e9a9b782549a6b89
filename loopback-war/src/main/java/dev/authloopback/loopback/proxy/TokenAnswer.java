package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.memory.Reservation;
import dev.authloopback.loopback.outcome.CacheStatus;

/**
 * What the loopback answers to a token request: the upstream's (or the stored) status, type and
 * body, and how the cache produced it.
 *
 * @param ageSeconds      seconds since stored, or -1 when the answer did not come from the cache
 * @param etag            fingerprint of the access token inside, or {@code null}
 * @param retryAfter      passed through from the upstream, or {@code null}
 * @param wwwAuthenticate passed through from the upstream, or {@code null}
 * @param inFlight        the body's bytes in flight when this caller made the upstream call, or
 *                        {@code null}; the writer gives them back ({@link #written()})
 * @param dpopNonce       the upstream's {@code DPoP-Nonce} on an answer it just gave, or {@code null}
 */
public record TokenAnswer(int status, String contentType, byte[] body, CacheStatus cacheStatus, long ageSeconds,
                          String etag, String retryAfter, String wwwAuthenticate, Reservation inFlight,
                          String dpopNonce) {

    public TokenAnswer(int status, String contentType, byte[] body, CacheStatus cacheStatus, long ageSeconds,
                       String etag, String retryAfter, String wwwAuthenticate, Reservation inFlight) {
        this(status, contentType, body, cacheStatus, ageSeconds, etag, retryAfter, wwwAuthenticate, inFlight, null);
    }

    /** An answer that holds nothing in flight (a stored entry, or a shared upstream answer). */
    public TokenAnswer(int status, String contentType, byte[] body, CacheStatus cacheStatus, long ageSeconds,
                       String etag, String retryAfter, String wwwAuthenticate) {
        this(status, contentType, body, cacheStatus, ageSeconds, etag, retryAfter, wwwAuthenticate, null, null);
    }

    /** The answer was written back (or given up): its bytes are no longer in flight. Idempotent. */
    public void written() {
        if (inFlight != null) {
            inFlight.close();
        }
    }

    @Override
    public String toString() {
        return "TokenAnswer[" + status + " " + cacheStatus + ", " + body.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
