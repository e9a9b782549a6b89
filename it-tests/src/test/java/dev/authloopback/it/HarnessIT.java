package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The test harness checks itself, without any artifact under test: if these fail, the scenario
 * ITs would prove nothing.
 */
class HarnessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CLIENT_CREDENTIALS = "grant_type=client_credentials&client_id=harness&client_secret=s3cret&scope=backend";

    private final Http http = new Http();

    @Test
    void oauth2ServerIssuesJwtsWithJtiAndIatAndCountsTokenRequests() throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream(); RecordingBackend backend = RecordingBackend.start()) {
            Http.Answer first = http.post(oauth2.tokenUrl(), FORM, CLIENT_CREDENTIALS);
            Http.Answer second = http.post(oauth2.tokenUrl(), FORM, CLIENT_CREDENTIALS);
            assertEquals(200, first.status(), first::toString);
            String token = JSON.readTree(first.body()).path("access_token").asText();
            assertNotEquals(JSON.readTree(second.body()).path("access_token").asText(), token, second::toString);
            assertEquals(2, oauth2.tokenRequests(), first::toString);

            Http.Answer seen = http.send(HttpRequest.newBuilder(backend.url()).header("Authorization", "Bearer " + token));
            JsonNode body = JSON.readTree(seen.body());
            assertNotNull(backend.seen().get(0).jti(), seen::toString);
            assertEquals(backend.seen().get(0).jti().toString(), body.path("jti").asText(), seen::toString);
            assertTrue(body.path("iat").isNumber(), seen::toString);

            backend.reject(token, 1);
            Http.Answer rejected = http.send(HttpRequest.newBuilder(backend.url()).header("Authorization", "Bearer " + token));
            Http.Answer again = http.send(HttpRequest.newBuilder(backend.url()).header("Authorization", "Bearer " + token));
            assertEquals(401, rejected.status(), rejected::toString);
            assertEquals(200, again.status(), again::toString);
        }
    }

    @Test
    void faultyUpstreamPlaysItsScriptAndRecordsCalls() {
        try (FaultyUpstream upstream = FaultyUpstream.start()) {
            upstream.script(Answer.status(429, Duration.ofSeconds(7)), Answer.nonJson(), Answer.resetMidBody(),
                    Answer.garbage(), Answer.oversize(2 * 1024 * 1024), Answer.hold(Duration.ofMillis(200), Answer.ok()));

            Http.Answer tooMany = http.post(upstream.tokenUrl(), FORM, CLIENT_CREDENTIALS);
            assertEquals(429, tooMany.status(), tooMany::toString);
            assertEquals("7", tooMany.header("Retry-After"), tooMany::toString);
            Http.Answer html = http.post(upstream.tokenUrl(), FORM, CLIENT_CREDENTIALS);
            assertEquals(200, html.status(), html::toString);
            assertTrue(html.body().startsWith("<html>"), html::toString);
            assertThrows(UncheckedIOException.class, () -> http.post(upstream.tokenUrl(), FORM, CLIENT_CREDENTIALS), "reset");
            assertThrows(UncheckedIOException.class, () -> http.post(upstream.tokenUrl(), FORM, CLIENT_CREDENTIALS), "garbage");
            Http.Answer big = http.post(upstream.tokenUrl(), FORM, CLIENT_CREDENTIALS);
            assertTrue(big.body().length() >= 2 * 1024 * 1024, () -> "oversize: " + big.body().length());
            Http.Answer held = http.post(upstream.tokenUrl(), FORM, CLIENT_CREDENTIALS);
            assertTrue(held.ttfb().toMillis() >= 190, held::toString);
            Http.Answer fallback = http.post(upstream.tokenUrl(), FORM, CLIENT_CREDENTIALS);
            assertTrue(fallback.body().contains("access_token"), fallback::toString);

            assertEquals(7, upstream.callCount());
            assertEquals(7, upstream.awaitCalls(7, Duration.ofSeconds(5)).size(), upstream.calls()::toString);
            assertEquals(CLIENT_CREDENTIALS, upstream.calls().get(0).body());
        }
    }
}
