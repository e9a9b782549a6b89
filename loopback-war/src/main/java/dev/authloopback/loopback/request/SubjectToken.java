package dev.authloopback.loopback.request;

/**
 * A subject token that passed {@code SubjectTokenValidator}: the token itself (sent upstream, never
 * logged, never part of a key), its keyed digest (what the cache key and the negative cache use),
 * and the claims that bound and index the entry made from it.
 *
 * @param digest    HMAC of the token under this web app's subject key, hex
 * @param expiresAt the token's {@code exp} in epoch milliseconds; no entry made from it lives longer
 * @param sub       the {@code sub} claim, or {@code null}
 * @param sid       the {@code sid} claim (the IdP session), or {@code null}
 */
public record SubjectToken(String token, String digest, long expiresAt, String sub, String sid) {

    /** Never prints the token. */
    @Override
    public String toString() {
        return "SubjectToken[digest=" + digest.substring(0, Math.min(12, digest.length())) + "…]";
    }
}
