package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.outcome.CacheStatus;

/**
 * What the loopback answers to a token request: the upstream's (or the stored) status, type and
 * body, and how the cache produced it.
 *
 * @param ageSeconds      seconds since stored, or -1 when the answer did not come from the cache
 * @param etag            fingerprint of the access token inside, or {@code null}
 * @param retryAfter      passed through from the upstream, or {@code null}
 * @param wwwAuthenticate passed through from the upstream, or {@code null}
 */
public record TokenAnswer(int status, String contentType, byte[] body, CacheStatus cacheStatus, long ageSeconds,
                          String etag, String retryAfter, String wwwAuthenticate) {

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
