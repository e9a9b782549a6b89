package dev.authloopback.loopback.config;

import java.net.URI;
import java.time.Duration;

/**
 * The settings of an exchange profile: an owning profile whose {@code grant-type} exchanges a
 * caller's user token (RFC 8693 token exchange, or the jwt-bearer on-behalf-of shape of Entra ID).
 *
 * @param shape              which form goes upstream
 * @param subjectIssuer      {@code subject-issuer}: the only {@code iss} a subject token may carry
 * @param subjectAudience    {@code subject-audience}: a subject token's {@code aud} must hold it
 * @param subjectJwksUrl     {@code subject-jwks-url}: the issuer's published keys
 * @param maxSubjectLifetime {@code max-subject-lifetime}: the longest one entry is kept, whatever the tokens say
 * @param rateLimit          {@code exchange-rate-limit}: upstream exchange calls per second for the profile
 * @param negativeTtl        {@code subject-negative-ttl}: how long a refused subject token is refused without a new check
 * @param logoutAudience     {@code logout-audience}: the {@code aud} of a back-channel logout token, default
 *                           {@code client-id}; the IdP sends logouts to the client the user's session belongs to
 */
public record ExchangeSettings(Shape shape, String subjectIssuer, String subjectAudience, URI subjectJwksUrl,
                               Duration maxSubjectLifetime, int rateLimit, Duration negativeTtl,
                               String logoutAudience) {

    public static final String TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    public static final String JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /** RFC 8693 §3: the one token type a loopback hands out, since it becomes a Bearer header. */
    public static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    public static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    /** Short: an entry for one user's token is reused within that user's burst of requests, not for hours. */
    public static final Duration DEFAULT_MAX_SUBJECT_LIFETIME = Duration.ofMinutes(15);
    public static final int DEFAULT_RATE_LIMIT = 20;
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(30);

    /** The upstream form of an exchange. */
    public enum Shape {
        /** RFC 8693: {@code subject_token}, {@code subject_token_type}, {@code requested_token_type}. */
        TOKEN_EXCHANGE,
        /** Entra ID on-behalf-of: {@code assertion} and {@code requested_token_use=on_behalf_of} (RFC 7523 grant). */
        JWT_BEARER_ON_BEHALF_OF
    }

    /** The shape of a grant type, or {@code null} when it exchanges nothing. */
    public static Shape shapeOf(String grantType) {
        if (TOKEN_EXCHANGE_GRANT.equals(grantType)) {
            return Shape.TOKEN_EXCHANGE;
        }
        return JWT_BEARER_GRANT.equals(grantType) ? Shape.JWT_BEARER_ON_BEHALF_OF : null;
    }

    public String describe() {
        return "exchange=" + shape.name().toLowerCase() + " subject-issuer=" + subjectIssuer + " subject-audience="
                + subjectAudience + " subject-jwks-url=" + subjectJwksUrl + " max-subject-lifetime="
                + maxSubjectLifetime + " exchange-rate-limit=" + rateLimit + " subject-negative-ttl=" + negativeTtl
                + " logout-audience=" + logoutAudience;
    }
}
