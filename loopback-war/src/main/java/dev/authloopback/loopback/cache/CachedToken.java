package dev.authloopback.loopback.cache;

/**
 * A stored successful token response and the times that govern it (epoch millis of the injected
 * clock). Not {@code Serializable}: the clustered tier writes it in its own sealed format. Equal when every field is, the body's
 * bytes included: conditional removes compare a stored entry with one read earlier, and in the
 * clustered tier those are two copies, never one object.
 *
 * @param requestDigest digest of the request that filled the entry; a request with another digest
 *                      is never served this entry
 * @param etag          fingerprint of the access token (never the token)
 * @param freshUntil    served as HIT before this instant
 * @param validUntil    the token's own lifetime minus skew: never served (not even STALE) after it
 * @param refreshFrom   a hit at or after this instant triggers one background refresh
 */
public record CachedToken(int status, String contentType, byte[] body, String requestDigest, String etag,
                          long storedAt, long freshUntil, long validUntil, long refreshFrom) {

    public boolean isFreshAt(long now) {
        return now < freshUntil;
    }

    public boolean isValidAt(long now) {
        return now < validUntil;
    }

    public boolean wantsRefreshAt(long now) {
        return now >= refreshFrom && now < freshUntil;
    }

    /** Whole seconds since stored, as the {@code Age} header wants (RFC 9111 §5.1). */
    public long ageSecondsAt(long now) {
        return Math.max(0, (now - storedAt) / 1000);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CachedToken that && status == that.status && storedAt == that.storedAt
                && freshUntil == that.freshUntil && validUntil == that.validUntil && refreshFrom == that.refreshFrom
                && java.util.Objects.equals(etag, that.etag) && java.util.Objects.equals(requestDigest, that.requestDigest)
                && java.util.Objects.equals(contentType, that.contentType) && java.util.Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(etag, requestDigest, storedAt);
    }

    @Override
    public String toString() {
        return "CachedToken[etag=" + etag + ", storedAt=" + storedAt + ", freshUntil=" + freshUntil
                + ", validUntil=" + validUntil + "]";
    }
}
