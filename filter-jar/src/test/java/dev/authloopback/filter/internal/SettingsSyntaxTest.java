package dev.authloopback.filter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SettingsSyntaxTest {

    @ParameterizedTest
    @CsvSource({"2, PT2S", "500ms, PT0.5S", "2s, PT2S", "30m, PT30M", "8h, PT8H", "1d, PT24H", "PT2S, PT2S", "pt1.5s, PT1.5S", "' 7 s ', PT7S"})
    void durationsAcceptTheSharedSyntax(String text, String expected) {
        assertEquals(Duration.parse(expected), Durations.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"fast", "2 parsecs", "1.5s", "P", "''"})
    void durationsRefuseAnythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    }

    private final Placeholders placeholders = new Placeholders(
            name -> Map.of("CLIENT_SECRET", "hunter2").get(name),
            name -> Map.of("client.id", "orders").get(name));

    @Test
    void placeholdersResolveEnvAndSysAndKeepEscapedOnesLiteral() {
        assertEquals("id=orders&secret=hunter2&lit=${env:X}",
                placeholders.resolve("id=${sys:client.id}&secret=${env:CLIENT_SECRET}&lit=$${env:X}"));
    }

    @Test
    void placeholderDefaultIsUsedOnlyWhenTheVariableIsNotSet() {
        assertEquals("http://localhost:8082/loopback|orders|",
                placeholders.resolve("http://localhost:${sys:auth-loopback.port:8082}/loopback|${sys:client.id:other}|${env:UNSET:}"));
    }

    @Test
    void tokenUrlResolvesPlaceholdersSoTheLoopbackPortCanComeFromTheServer() {
        Placeholders moved = new Placeholders(name -> null, name -> Map.of("auth-loopback.port", "9082").get(name));
        FilterSettings settings = FilterSettings.from(
                Map.of("token-url", "http://127.0.0.1:${sys:auth-loopback.port:8082}/loopback"), moved);
        assertEquals("http://127.0.0.1:9082/loopback", settings.tokenUrl().toString());
        assertEquals("http://127.0.0.1:8082/loopback", FilterSettings.from(
                Map.of("token-url", "http://127.0.0.1:${sys:auth-loopback.port:8082}/loopback"), placeholders).tokenUrl().toString());
    }

    @Test
    void tokenUrlWithAnUnsetPlaceholderFailsNamingParamAndVariable() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> FilterSettings.from(
                Map.of("token-url", "http://u:pw@127.0.0.1:${sys:no.such.port}/loopback"), placeholders));
        assertTrue(e.getMessage().contains("token-url: 'http://<masked>@127.0.0.1:${sys:no.such.port}/loopback'")
                && e.getMessage().contains("${sys:no.such.port} is not set") && !e.getMessage().contains("pw"), e.getMessage());
    }

    @Test
    void urlsInMessagesHaveUserInfoAndQueryMasked() {
        assertEquals("https://<masked>@idp.example/token?<masked>", FilterSettings.maskUrl("https://client:secret@idp.example/token?key=k"));
        assertEquals("http://127.0.0.1:8082/loopback", FilterSettings.maskUrl("http://127.0.0.1:8082/loopback"));
        assertEquals("http://127.0.0.1:8082/loopback (user info/query masked)",
                FilterSettings.from(Map.of("token-url", "http://a:b@127.0.0.1:8082/loopback?c=d"), placeholders).safeTokenUrl());
    }

    @Test
    void unterminatedPlaceholderIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> placeholders.resolve("a=${env:X"));
        assertTrue(e.getMessage().contains("unterminated"), e.getMessage());
    }

    @Test
    void nearCacheFreshnessIsCappedByExpiresInMinusSkew() {
        Instant now = Instant.EPOCH;
        Duration hour = Duration.ofHours(1);
        assertEquals(hour, NearCache.freshFor(new Token("t", null, null, now), hour), "no expires_in: local-ttl");
        assertEquals(Duration.ofSeconds(7140), NearCache.freshFor(new Token("t", null, Duration.ofSeconds(7200), now),
                Duration.ofHours(8)), "skew capped at 60s");
        assertEquals(Duration.ofSeconds(27), NearCache.freshFor(new Token("t", null, Duration.ofSeconds(30), now), hour),
                "short tokens: skew = lifetime / 10");
        assertEquals(Duration.ofSeconds(5), NearCache.freshFor(new Token("t", null, Duration.ofSeconds(7200), now),
                Duration.ofSeconds(5)), "local-ttl when shorter");
    }

    @Test
    void tokenToStringShowsAFingerprintNotTheToken() {
        Token token = new Token("eyJsecret", "\"etag\"", Duration.ofSeconds(60), Instant.EPOCH);
        assertTrue(!token.toString().contains("eyJsecret") && token.toString().contains("sha256:"), token.toString());
    }

    @Test
    void problemJsonEscapesDetail() {
        String json = Problems.json(TokenUnavailableException.malformed("The token endpoint said \"no\"\n"));
        assertEquals("{\"type\":\"urn:authloopback:problem:token-response-malformed\",\"title\":\"Token endpoint answered "
                + "without a usable token\",\"status\":503,\"detail\":\"The token endpoint said \\\"no\\\"\\n\"}", json);
    }
}
