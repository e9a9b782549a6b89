package dev.authloopback.filter.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One token as the loopback answered it.
 *
 * @param value     the raw access token (never logged: {@link #toString()} shows a fingerprint)
 * @param etag      the answer's {@code ETag}, needed for the conditional eviction; may be null
 *                  (e.g. when the filter points straight at an OAuth2 server)
 * @param expiresIn the answer's {@code expires_in}; may be null
 * @param fetchedAt when the answer arrived
 * @param dpop      {@code token_type} DPoP: the token is bound to the app's key (RFC 9449)
 */
public record Token(String value, String etag, Duration expiresIn, Instant fetchedAt, boolean dpop) {

    public Token(String value, String etag, Duration expiresIn, Instant fetchedAt) {
        this(value, etag, expiresIn, fetchedAt, false);
    }

    public Token {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("value must not be empty");
        }
        if (fetchedAt == null) {
            throw new IllegalArgumentException("fetchedAt must not be null");
        }
    }

    public Optional<String> etagValue() {
        return Optional.ofNullable(etag);
    }

    @Override
    public String toString() {
        return "Token[" + (dpop ? "DPoP " : "") + Fingerprints.of(value) + ", etag " + Fingerprints.of(etag) + ", expires_in "
                + (expiresIn == null ? "-" : expiresIn.toSeconds() + "s") + "]";
    }
}
