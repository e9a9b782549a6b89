package dev.authloopback.loopback.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

class TokenResponseInspectorTest {
    private final TokenResponseInspector inspector = new TokenResponseInspector(new ObjectMapper());

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
}
