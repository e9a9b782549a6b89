package dev.authloopback.loopback.upstream;

import dev.authloopback.loopback.memory.Reservation;

/**
 * What the token endpoint answered, passed back to callers unchanged.
 *
 * @param contentType     may be {@code null}
 * @param retryAfter      the upstream's {@code Retry-After}, or {@code null}
 * @param wwwAuthenticate the upstream's {@code WWW-Authenticate}, or {@code null}
 * @param inFlight        the body's bytes in flight, held until the answer is written back
 *                        ({@link #release()}); {@code null} for an answer made from a stored entry
 * @param dpopNonce       the upstream's {@code DPoP-Nonce} (RFC 9449 §8), or {@code null}
 */
public record UpstreamAnswer(int status, String contentType, byte[] body, String retryAfter,
                             String wwwAuthenticate, long latencyMillis, Reservation inFlight, String dpopNonce) {

    public UpstreamAnswer(int status, String contentType, byte[] body, String retryAfter, String wwwAuthenticate,
                          long latencyMillis, Reservation inFlight) {
        this(status, contentType, body, retryAfter, wwwAuthenticate, latencyMillis, inFlight, null);
    }

    /** An answer whose body holds nothing in flight (a stored entry's, or made by a test). */
    public UpstreamAnswer(int status, String contentType, byte[] body, String retryAfter, String wwwAuthenticate,
                          long latencyMillis) {
        this(status, contentType, body, retryAfter, wwwAuthenticate, latencyMillis, null, null);
    }

    /** Gives the body's bytes in flight back; idempotent. */
    public void release() {
        if (inFlight != null) {
            inFlight.close();
        }
    }

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
        return "UpstreamAnswer[" + status + " " + contentType + ", " + body.length + " bytes]";
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
