package dev.authloopback.loopback.cache;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.authloopback.loopback.outcome.UpstreamFailure;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads what the cache needs from a token response body (RFC 6749 §5.1) without keeping the token.
 *
 * <p>Nothing in an upstream body can make it throw. {@code expires_in} is read exactly (numbers as
 * decimals, never through a {@code double} or {@code long} that could overflow), as a JSON number or
 * a string of digits:
 * <ul>
 *   <li>absent or {@code null}: no lifetime, the entry is cached for {@code ttl};</li>
 *   <li>1 to {@value #MAX_EXPIRES_IN_SECONDS} seconds (fractions rounded down): the token's lifetime;</li>
 *   <li>more than that (ten years; e.g. {@code 1e18}, {@code 9223372036854775807}, {@code 1e309},
 *       {@code "99999999999999999999"}): absurd, so treated like an answer without {@code expires_in}
 *       and cached for exactly {@code ttl} — the token still works, no one means that lifetime;</li>
 *   <li>below 1, negative, or anything else (text, boolean, object): invalid, the answer is passed back
 *       but not stored.</li>
 * </ul>
 *
 * <p>An {@code access_token} that could not go into a header as it is ({@link TokenSyntax}: not RFC 6750
 * {@code b64token}, or longer than {@code max-token-length}), or a {@code token_type} other than
 * {@code Bearer}, makes the answer {@linkplain TokenFacts#refusal() refused}: never stored, never served.
 */
public final class TokenResponseInspector {
    /** Ten years: beyond any real token lifetime, well within millisecond arithmetic. */
    public static final long MAX_EXPIRES_IN_SECONDS = 10L * 365 * 24 * 3600;
    private static final BigDecimal MAX_EXPIRES_IN = BigDecimal.valueOf(MAX_EXPIRES_IN_SECONDS);
    /** Digit strings longer than this are over the maximum whatever their digits (after leading zeros). */
    private static final int MAX_DIGITS = String.valueOf(MAX_EXPIRES_IN_SECONDS).length();

    private final ObjectReader json;
    private final long maxTokenLength;
    /** A DPoP profile's answers are {@code token_type} DPoP (RFC 9449 §5); every other profile keeps Bearer only. */
    private final boolean acceptDpop;

    /** @param maxTokenLength the profile's {@code max-token-length}, in characters */
    public TokenResponseInspector(ObjectMapper json, long maxTokenLength) {
        this(json, maxTokenLength, false);
    }

    /** @param acceptDpop the profile uses DPoP, so {@code token_type} DPoP is served too */
    public TokenResponseInspector(ObjectMapper json, long maxTokenLength, boolean acceptDpop) {
        this.acceptDpop = acceptDpop;
        if (maxTokenLength < 1) {
            throw new IllegalArgumentException("maxTokenLength must be >= 1, was " + maxTokenLength);
        }
        // Exact numbers: 1e309 stays a (huge) decimal instead of becoming Infinity.
        this.json = json.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        this.maxTokenLength = maxTokenLength;
    }

    /**
     * What a successful token body says; the token itself only as its fingerprint.
     *
     * @param etag             the token's fingerprint; {@code null} when refused
     * @param expiresIn        the lifetime to cache for, or {@code null} for "cache for ttl"
     * @param expiresInInvalid the answer must not be stored
     * @param refusal          why the token must neither be stored nor served, or {@code null} when it may
     */
    public record TokenFacts(String etag, Duration expiresIn, boolean expiresInInvalid, Refusal refusal) {
        TokenFacts(String etag, Duration expiresIn, boolean expiresInInvalid) {
            this(etag, expiresIn, expiresInInvalid, null);
        }

        static TokenFacts refused(UpstreamFailure.Kind kind, String detail) {
            return new TokenFacts(null, null, false, new Refusal(kind, detail));
        }
    }

    /**
     * A token that must never become a header: the problem it is answered with ({@code token-malformed}
     * or {@code token-type-unsupported}) and a detail naming the rule, never the token.
     */
    public record Refusal(UpstreamFailure.Kind kind, String detail) {
    }

    /**
     * Empty when the body is not JSON or holds no {@code access_token} (absent or {@code null}): such an
     * answer is passed back as it came, unstored.
     */
    public Optional<TokenFacts> inspect(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject()) {
            return Optional.empty();
        }
        JsonNode token = root.get("access_token");
        if (token == null || token.isNull()) {
            return Optional.empty();
        }
        if (!token.isTextual()) {
            return Optional.of(TokenFacts.refused(UpstreamFailure.Kind.TOKEN_MALFORMED,
                    "the access_token is a JSON " + token.getNodeType().name().toLowerCase(Locale.ROOT)
                            + ", not a string"));
        }
        String problem = TokenSyntax.problemWith(token.textValue(), maxTokenLength);
        if (problem != null) {
            return Optional.of(TokenFacts.refused(UpstreamFailure.Kind.TOKEN_MALFORMED, problem));
        }
        JsonNode type = root.get("token_type");
        String typeProblem = type == null || type.isNull() ? null
                : type.isTextual() ? (acceptDpop && "dpop".equalsIgnoreCase(type.textValue()) ? null
                        : TokenSyntax.tokenTypeProblem(type.textValue()))
                : "token_type is a JSON " + type.getNodeType().name().toLowerCase(Locale.ROOT)
                        + ", not a string; only Bearer tokens (RFC 6750) are stored and served";
        if (typeProblem != null) {
            return Optional.of(TokenFacts.refused(UpstreamFailure.Kind.TOKEN_TYPE_UNSUPPORTED, typeProblem));
        }
        String etag = etagOf(token.textValue());
        JsonNode expires = root.get("expires_in");
        if (expires == null || expires.isNull()) {
            return Optional.of(new TokenFacts(etag, null, false));
        }
        BigDecimal seconds = seconds(expires);
        if (seconds == null || seconds.compareTo(BigDecimal.ONE) < 0) {
            return Optional.of(new TokenFacts(etag, null, true));
        }
        if (seconds.compareTo(MAX_EXPIRES_IN) > 0) {
            return Optional.of(new TokenFacts(etag, null, false));
        }
        // Between 1 and the maximum: longValue() is exact after rounding down, and cannot overflow.
        return Optional.of(new TokenFacts(etag, Duration.ofSeconds(seconds.longValue()), false));
    }

    /** The value as an exact decimal, or {@code null} when it is no number of seconds. */
    private static BigDecimal seconds(JsonNode expires) {
        if (expires.isNumber()) {
            if (expires.isDouble() || expires.isFloat()) {
                double d = expires.doubleValue();
                return Double.isFinite(d) ? BigDecimal.valueOf(d) : d > 0 ? MAX_EXPIRES_IN.add(BigDecimal.ONE) : null;
            }
            return expires.decimalValue();
        }
        if (!expires.isTextual()) {
            return null;
        }
        String text = expires.asText();
        int start = 0;
        while (start < text.length() - 1 && text.charAt(start) == '0') {
            start++;
        }
        if (text.isEmpty()) {
            return null;
        }
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        // Parsing a long run of digits is needless work: it is over the maximum either way.
        return text.length() - start > MAX_DIGITS ? MAX_EXPIRES_IN.add(BigDecimal.ONE) : new BigDecimal(text.substring(start));
    }

    /** A quoted strong ETag: 96 bits of SHA-256 of the token, so logs and callers never see it. */
    public static String etagOf(String accessToken) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.UTF_8));
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(hash, 12))
                    + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
