package dev.authloopback.loopback.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

class TokenResponseInspectorTest {
    private final TokenResponseInspector inspector = new TokenResponseInspector(new ObjectMapper(), 8192);

    private TokenResponseInspector.TokenFacts facts(String expiresIn) {
        String body = "{\"access_token\":\"t\",\"expires_in\":" + expiresIn + "}";
        Optional<TokenResponseInspector.TokenFacts> facts = inspector.inspect(body.getBytes(StandardCharsets.UTF_8));
        assertTrue(facts.isPresent(), body);
        return facts.get();
    }

    @ParameterizedTest(name = "expires_in {0} is a lifetime of {1} s")
    @CsvSource(delimiter = '|', value = {"3600|3600", "\"3600\"|3600", "3599.9|3599", "1|1", "36e2|3600",
            "\"000042\"|42", "315360000|315360000"})
    void plausibleExpiresInIsTheLifetime(String expiresIn, long seconds) {
        TokenResponseInspector.TokenFacts facts = facts(expiresIn);
        assertFalse(facts.expiresInInvalid(), expiresIn);
        assertEquals(Duration.ofSeconds(seconds), facts.expiresIn(), expiresIn);
    }

    @ParameterizedTest(name = "expires_in {0} is absurd: cached for ttl")
    @ValueSource(strings = {"1e18", "9223372036854775807", "9223372036854775808", "1e309", "1e999999999",
            "\"99999999999999999999\"", "315360001", "\"" + "9999999999999999999999999999999999999999" + "\""})
    void absurdExpiresInIsCachedForTtl(String expiresIn) {
        TokenResponseInspector.TokenFacts facts = facts(expiresIn);
        assertFalse(facts.expiresInInvalid(), expiresIn);
        assertNull(facts.expiresIn(), expiresIn);
    }

    @ParameterizedTest(name = "expires_in {0} is invalid: not stored")
    @ValueSource(strings = {"0", "-1", "-1e309", "0.5", "1e-999999999", "\"soon\"", "\"-5\"", "\"\"", "\"1.5\"",
            "true", "{}", "[]"})
    void invalidExpiresInIsNotStored(String expiresIn) {
        assertTrue(facts(expiresIn).expiresInInvalid(), expiresIn);
    }

    @Test
    void lifetimeArithmeticNeverOverflowsWhateverTheLimits() {
        TokenLifetime lifetime = new TokenLifetime(Duration.ofSeconds(Long.MAX_VALUE / 2), Duration.ofSeconds(60), 0.1);
        TokenLifetime.Window window = lifetime.windowFor(System.currentTimeMillis(),
                Duration.ofSeconds(TokenResponseInspector.MAX_EXPIRES_IN_SECONDS), 0.5);
        assertTrue(window.freshUntil() > 0 && window.validUntil() >= window.freshUntil(), window.toString());
        TokenLifetime.Window unbounded = lifetime.windowFor(Long.MAX_VALUE - 10, null, 0.5);
        assertEquals(Long.MAX_VALUE, unbounded.freshUntil(), unbounded.toString());
    }

    private Optional<TokenResponseInspector.TokenFacts> inspect(String body) {
        return inspector.inspect(body.getBytes(StandardCharsets.UTF_8));
    }

    private TokenResponseInspector.Refusal refusal(String body) {
        Optional<TokenResponseInspector.TokenFacts> facts = inspect(body);
        assertTrue(facts.isPresent(), body);
        assertNotNull(facts.get().refusal(), "refused: " + body);
        assertNull(facts.get().etag(), "no fingerprint of a refused token: " + body);
        return facts.get().refusal();
    }

    @ParameterizedTest(name = "access_token {0} is refused as malformed")
    @ValueSource(strings = {"\"abc\\rX-Injected: 1\"", "\"abc\\nX-Injected: 1\"", "\"abc\\r\\n X-Folded: 1\"",
            "\"ab\\u0000c\"", "\"ab\u00e9c\"", "\"a, Basic YWRtaW46YWRtaW4=\"", "\"a b\"", "\"\"", "\"   \"",
            "\"ab=c\"", "\"=\"", "42", "true", "{}", "[\"a\"]"})
    void malformedAccessTokenIsRefused(String token) {
        String body = "{\"access_token\":" + token + ",\"token_type\":\"Bearer\",\"expires_in\":3600}";
        TokenResponseInspector.Refusal refusal = refusal(body);
        assertEquals(UpstreamFailure.Kind.TOKEN_MALFORMED, refusal.kind(), body);
        assertFalse(refusal.detail().contains("X-Injected") || refusal.detail().contains("YWRtaW4"), refusal.detail());
    }

    @Test
    void aTokenExactlyAtMaxTokenLengthIsStoredOneOverIsRefused() {
        TokenResponseInspector small = new TokenResponseInspector(new ObjectMapper(), 16);
        Optional<TokenResponseInspector.TokenFacts> atLimit =
                small.inspect(("{\"access_token\":\"" + "a".repeat(14) + "==\"}").getBytes(StandardCharsets.UTF_8));
        assertTrue(atLimit.isPresent());
        assertNull(atLimit.get().refusal());
        assertNotNull(atLimit.get().etag());
        Optional<TokenResponseInspector.TokenFacts> over =
                small.inspect(("{\"access_token\":\"" + "a".repeat(17) + "\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(UpstreamFailure.Kind.TOKEN_MALFORMED, over.orElseThrow().refusal().kind());
        assertTrue(over.get().refusal().detail().contains("max-token-length=16"), over.get().refusal().detail());
        String megabyte = "{\"access_token\":\"" + "a".repeat(1_000_000) + "\"}";
        assertTrue(refusal(megabyte).detail().contains("1000000 characters long"));
    }

    @ParameterizedTest(name = "token_type {0} is refused as unsupported")
    @ValueSource(strings = {"\"DPoP\"", "\"mac\"", "\"N_A\"", "\"\"", "\"Bearer\\r\\nX: 1\"", "1", "{}"})
    void tokenTypeOtherThanBearerIsRefused(String type) {
        String body = "{\"access_token\":\"abc\",\"token_type\":" + type + "}";
        TokenResponseInspector.Refusal refusal = refusal(body);
        assertEquals(UpstreamFailure.Kind.TOKEN_TYPE_UNSUPPORTED, refusal.kind(), body);
        assertFalse(refusal.detail().contains("\r") || refusal.detail().contains("\n"), refusal.detail());
    }

    @ParameterizedTest(name = "token_type {0} is fine")
    @ValueSource(strings = {",\"token_type\":\"Bearer\"", ",\"token_type\":\"bearer\"", ",\"token_type\":\"BEARER\"",
            ",\"token_type\":null", ""})
    void bearerInAnyCaseOrNoTokenTypeIsStored(String type) {
        String body = "{\"access_token\":\"abc\"" + type + "}";
        TokenResponseInspector.TokenFacts facts = inspect(body).orElseThrow();
        assertNull(facts.refusal(), body);
        assertNotNull(facts.etag(), body);
    }

    @ParameterizedTest(name = "{0} holds no token: passed back, not refused")
    @ValueSource(strings = {"{\"token_type\":\"Bearer\"}", "{\"access_token\":null}", "[]", "not json", "\"abc\""})
    void anAnswerWithoutAccessTokenIsNoTokenAtAll(String body) {
        assertTrue(inspect(body).isEmpty(), body);
    }
}
