package dev.authloopback.loopback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: the admin views are guarded by the shared secret when no admin secret is set,
 * {@code DELETE admin/entries} is rate limited by {@code evict-all-interval}, and an owning profile's
 * missing secret file shows in health.
 */
class AdminGuardAndEvictAllTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String SHARED = "shared-secret-0123456789";
    private static final String ADMIN = "admin-secret-0123456789";

    private final CountingUpstream upstream = new CountingUpstream();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
    private final ObjectMapper json = new ObjectMapper();
    private LoopbackTestServer loopback;

    @TempDir
    Path dir;

    AdminGuardAndEvictAllTest() throws Exception {
    }

    @AfterEach
    void stop() throws Exception {
        if (loopback != null) {
            loopback.close();
        }
        upstream.close();
    }

    private void start(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("upstream-url", upstream.url()));
        settings.putAll(extra);
        loopback = new LoopbackTestServer(settings, clock);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(loopback.uri(path));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return loopback.send(request.build());
    }

    private HttpResponse<String> evictAll(String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(loopback.uri("/admin/entries")).DELETE();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return loopback.send(request.build());
    }

    @Test
    void withASharedSecretAndNoAdminSecretTheAdminViewsAskForTheSharedSecret() throws Exception {
        start(Map.of("shared-secret", SHARED));
        HttpResponse<String> none = get("/admin/health");
        HttpResponse<String> callerHeader = get("/admin/metrics", "X-Loopback-Secret", SHARED);
        HttpResponse<String> adminHeader = get("/admin/health", "X-Loopback-Admin-Secret", SHARED);
        HttpResponse<String> bearer = get("/admin/metrics", "Authorization", "Bearer " + SHARED);
        HttpResponse<String> evictAll = evictAll();
        String message = "none: " + none.statusCode() + " " + none.body() + "\ncaller header: "
                + callerHeader.statusCode() + "\nadmin header: " + adminHeader.statusCode() + "\nbearer: "
                + bearer.statusCode() + "\nevict-all: " + evictAll.statusCode();

        assertEquals(401, none.statusCode(), message);
        assertTrue(none.body().contains("admin-secret-required"), message);
        assertTrue(!none.body().contains(SHARED), message);
        assertEquals(401, callerHeader.statusCode(), message);
        assertEquals(200, adminHeader.statusCode(), message);
        assertEquals(200, bearer.statusCode(), message);
        assertEquals(401, evictAll.statusCode(), message);
    }

    @Test
    void anAdminSecretOfItsOwnIsTheOnlyOneTheAdminViewsTake() throws Exception {
        start(Map.of("shared-secret", SHARED, "admin-secret", ADMIN));
        assertEquals(401, get("/admin/health", "X-Loopback-Admin-Secret", SHARED).statusCode());
        assertEquals(200, get("/admin/health", "X-Loopback-Admin-Secret", ADMIN).statusCode());
    }

    @Test
    void withoutEitherSecretTheAddressGuardAloneStillLetsLocalCallersIn() throws Exception {
        start(Map.of());
        assertEquals(200, get("/admin/health").statusCode());
    }

    @Test
    void aSecondEvictAllWithinTheIntervalIs429WithRetryAfterAndKeepsTheEntries() throws Exception {
        start(Map.of("evict-all-interval", "10s"));
        HttpResponse<String> first = evictAll();
        loopback.post("", FORM, "grant_type=client_credentials");
        clock.advance(Duration.ofSeconds(4));
        HttpResponse<String> second = evictAll();
        HttpResponse<String> hit = loopback.post("", FORM, "grant_type=client_credentials");
        clock.advance(Duration.ofSeconds(6));
        HttpResponse<String> third = evictAll();
        String message = "first: " + first.statusCode() + "\nsecond: " + second.statusCode() + " "
                + second.headers().map() + " " + second.body() + "\nhit: " + hit.headers().map() + "\nthird: "
                + third.statusCode() + " " + third.body();

        assertEquals(204, first.statusCode(), message);
        assertEquals(429, second.statusCode(), message);
        assertEquals("6", second.headers().firstValue("Retry-After").orElse(null), message);
        assertEquals("application/problem+json", second.headers().firstValue("Content-Type").orElse(null), message);
        assertEquals("evict-all-too-soon", json.readTree(second.body()).path("type").asText().replaceAll(".*:", ""),
                message);
        assertEquals("HIT", hit.headers().firstValue("X-Loopback-Cache").orElse(null), message);
        assertEquals(204, third.statusCode(), message);
        assertEquals(1, upstream.calls(), message);
    }

    @Test
    void theDefaultIntervalIsTenSecondsAndZeroTurnsTheLimitOff() throws Exception {
        start(Map.of());
        assertEquals(204, evictAll().statusCode());
        HttpResponse<String> tooSoon = evictAll();
        assertEquals(429, tooSoon.statusCode(), tooSoon.body());
        assertEquals("10", tooSoon.headers().firstValue("Retry-After").orElse(null));
        loopback.close();
        loopback = null;
        start(Map.of("evict-all-interval", "0s"));
        assertEquals(204, evictAll().statusCode());
        assertEquals(204, evictAll().statusCode());
    }

    @Test
    void aMissingSecretFileMakesTheProfileDegradedUntilItIsBack() throws Exception {
        Path secret = Files.writeString(dir.resolve("client-secret"), "first-secret\n");
        start(Map.of("client-auth", "client_secret_post", "client-id", "orders", "client-secret-file",
                secret.toString(), "caller-auth", "none"));
        JsonNode before = json.readTree(get("/admin/health").body());
        Files.delete(secret);
        HttpResponse<String> gone = get("/admin/health");
        HttpResponse<String> token = loopback.post("", FORM, "");
        Files.writeString(secret, "second-secret\n");
        JsonNode back = json.readTree(get("/admin/health").body());
        JsonNode missing = json.readTree(gone.body());
        String message = "before: " + before + "\ngone: " + missing + "\ntoken: " + token.statusCode() + "\nback: "
                + back + "\nupstream: " + upstream.received();

        assertEquals("UP", before.path("status").asText(), message);
        assertEquals("ok", before.at("/profiles/default/checks/credentials/reason").asText(), message);
        assertEquals(200, gone.statusCode(), message);
        assertEquals("DEGRADED", missing.path("status").asText(), message);
        assertEquals("credential_file_missing", missing.at("/profiles/default/checks/credentials/reason").asText(),
                message);
        assertTrue(missing.path("reasons").toString().contains("client-secret-file"), message);
        assertEquals(200, token.statusCode(), message);
        assertTrue(upstream.received().get(0).body().contains("client_secret=first-secret"),
                "the last good secret is sent while the file is gone\n" + message);
        assertEquals("UP", back.path("status").asText(), message);
        assertEquals("ok", back.at("/profiles/default/checks/credentials/reason").asText(), message);
    }
}
