package dev.authloopback.loopback.upstream;

/**
 * What the token endpoint answered, passed back to callers unchanged.
 *
 * @param contentType     may be {@code null}
 * @param retryAfter      the upstream's {@code Retry-After}, or {@code null}
 * @param wwwAuthenticate the upstream's {@code WWW-Authenticate}, or {@code null}
 */
public record UpstreamAnswer(int status, String contentType, byte[] body, String retryAfter,
                             String wwwAuthenticate, long latencyMillis) {

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
