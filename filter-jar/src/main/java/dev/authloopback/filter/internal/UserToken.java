package dev.authloopback.filter.internal;

import com.jayway.jsonpath.Configuration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * The inbound user token of an on-behalf-of request: the value of {@code Authorization: Bearer}.
 * The filter does not verify it (the loopback does, before any IdP call); it only reads {@code exp}
 * so its near cache never keeps an exchanged token past the user token.
 */
public final class UserToken {
    private UserToken() {
    }

    /** @return the bearer token of the header, or {@code null} when there is none usable (RFC 6750 §2.1) */
    public static String fromAuthorization(String header, int maxLength) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return TokenSyntax.problemWith(token, maxLength) == null ? token : null;
    }

    /** The {@code exp} of a JWT, unverified; {@code null} when it is not a JWT with one. */
    public static Instant expiresAt(String token) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0) {
            return null;
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(token.substring(first + 1, second));
            Object claims = Configuration.defaultConfiguration().jsonProvider()
                    .parse(new String(payload, StandardCharsets.UTF_8));
            if (claims instanceof Map<?, ?> map && map.get("exp") instanceof Number exp) {
                return Instant.ofEpochSecond(exp.longValue());
            }
        } catch (RuntimeException e) {
            // not a JWT we can read: the near cache keeps its entry for local-ttl at most
        }
        return null;
    }
}
