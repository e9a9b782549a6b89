package dev.authloopback.loopback.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/** Reads what the cache needs from a token response body (RFC 6749 §5.1) without keeping the token. */
public final class TokenResponseInspector {
    private final ObjectMapper json;

    public TokenResponseInspector(ObjectMapper json) {
        this.json = json;
    }

    /** What a successful token body says; the token itself only as its fingerprint. */
    public record TokenFacts(String etag, Duration expiresIn, boolean expiresInInvalid) {
    }

    /** Empty when the body is not JSON or holds no non-empty string {@code access_token}. */
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
        if (token == null || !token.isTextual() || token.asText().isBlank()) {
            return Optional.empty();
        }
        JsonNode expires = root.get("expires_in");
        Duration expiresIn = null;
        boolean invalid = false;
        if (expires != null && !expires.isNull()) {
            if (expires.isNumber() || expires.isTextual() && expires.asText().matches("\\d+")) {
                long seconds = expires.isNumber() ? expires.asLong() : Long.parseLong(expires.asText());
                if (seconds > 0) {
                    expiresIn = Duration.ofSeconds(seconds);
                } else {
                    invalid = true;
                }
            } else {
                invalid = true;
            }
        }
        return Optional.of(new TokenFacts(etagOf(token.asText()), expiresIn, invalid));
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
