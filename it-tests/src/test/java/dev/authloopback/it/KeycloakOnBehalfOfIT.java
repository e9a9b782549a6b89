package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.keycloak.KeycloakServer;
import dev.authloopback.testsupport.keycloak.LoopbackRealm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * On behalf of the user, against the real Keycloak: users alice and bob log in with the password
 * grant of a public test client whose tokens name the business client as audience; a business app
 * on embedded Jetty (sample-app, its filter in on-behalf-of mode) sends each user's token to the
 * loopback's exchange profile, which exchanges it at Keycloak (standard token exchange) as the
 * business client. Keycloak counts the exchanges itself ({@code TOKEN_EXCHANGE} events), and sends
 * its back-channel logout, through a relay started before it (the loopback's port is known only
 * later), to the loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeycloakOnBehalfOfIT {
    private static final String CALLER_SECRET = "caller-s3cret-obo-7d1e0b";
    private static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

    private final Http http = new Http(Duration.ofSeconds(30));
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicReference<URI> logoutTarget = new AtomicReference<>();
    private final List<Integer> relayed = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile CountDownLatch logoutArrived = new CountDownLatch(1);
    private HttpServer relay;
    private KeycloakServer keycloak;
    private LoopbackServer loopback;
    private RecordingBackend backend;
    private SampleAppServer app;

    @BeforeAll
    void start() throws IOException {
        relay = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        relay.createContext("/logout", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Http.Answer answer = http.send(HttpRequest.newBuilder(logoutTarget.get())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
            relayed.add(answer.status());
            exchange.sendResponseHeaders(answer.status(), -1);
            exchange.close();
            logoutArrived.countDown();
        });
        relay.start();
        keycloak = KeycloakServer.fromDist(LoopbackRealm.create().withOboBackChannelLogoutUrl(
                URI.create("http://127.0.0.1:" + relay.getAddress().getPort() + "/logout"))).start();
        loopback = LoopbackServer.builder().upstream(keycloak.tokenUrl())
                .setting("shared-secret", CALLER_SECRET)
                .setting("client-auth", "client_secret_basic")
                .setting("client-id", LoopbackRealm.OBO_BUSINESS_CLIENT)
                .setting("client-secret", LoopbackRealm.OBO_BUSINESS_SECRET)
                .setting("grant-type", TOKEN_EXCHANGE)
                .setting("subject-issuer", keycloak.issuer().toString())
                .setting("subject-audience", LoopbackRealm.OBO_BUSINESS_CLIENT)
                .setting("subject-jwks-url", keycloak.oidcEndpoint("certs").toString())
                .setting("logout-audience", LoopbackRealm.OBO_LOGIN_CLIENT)
                .recordExchanges(true)
                .start();
        logoutTarget.set(loopback.url("/backchannel-logout/default"));
        backend = RecordingBackend.start();
        app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                .filterParam("on-behalf-of", "true")
                // The sample's own token-body holds client credentials, which an owning profile refuses.
                .filterParam("token-body", "grant_type=" + TOKEN_EXCHANGE)
                .filterParam("token-headers", "X-Loopback-Secret: " + CALLER_SECRET)
                .start();
    }

    @AfterAll
    void stop() {
        for (AutoCloseable part : new AutoCloseable[] {app, backend, loopback, keycloak}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception ignored) {
                // best effort; the next part still stops
            }
        }
        if (relay != null) {
            relay.stop(0);
        }
    }

    /** A user's login at Keycloak: its access token and refresh token (for the logout). */
    private record Login(String accessToken, String refreshToken, JsonNode claims) {
    }

    private Login login(String user) throws IOException {
        Http.Answer answer = http.post(keycloak.tokenUrl(), "application/x-www-form-urlencoded",
                "grant_type=password&client_id=" + LoopbackRealm.OBO_LOGIN_CLIENT + "&username=" + user
                        + "&password=" + LoopbackRealm.OBO_PASSWORD + "&scope=openid");
        assertEquals(200, answer.status(), "password grant for " + user + ": " + answer);
        JsonNode body = json.readTree(answer.body());
        String token = body.path("access_token").asText();
        return new Login(token, body.path("refresh_token").asText(), claims(token));
    }

    private JsonNode claims(String jwt) throws IOException {
        return json.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private Http.Answer asUser(String token) {
        return http.send(HttpRequest.newBuilder(app.outboundUrl()).header("Authorization", "Bearer " + token).GET());
    }

    @Test
    void aliceAndBobEachGetAnExchangedTokenOfTheirOwnWhoseAzpIsTheBusinessClient() throws IOException {
        Login alice = login("alice");
        Login bob = login("bob");
        assertTrue(alice.claims().path("aud").toString().contains(LoopbackRealm.OBO_BUSINESS_CLIENT),
                "alice's token names the business client as audience: " + alice.claims());
        Http.Answer asAlice = asUser(alice.accessToken());
        assertEquals(200, asAlice.status(), asAlice.toString());
        RecordingBackend.Seen seenForAlice = backend.seen().get(backend.seen().size() - 1);
        Http.Answer asBob = asUser(bob.accessToken());
        assertEquals(200, asBob.status(), asBob.toString());
        RecordingBackend.Seen seenForBob = backend.seen().get(backend.seen().size() - 1);
        assertEquals(alice.claims().path("sub").asText(), String.valueOf(seenForAlice.claims().get("sub")),
                "the backend sees alice as the subject: " + seenForAlice.claims());
        assertEquals(LoopbackRealm.OBO_BUSINESS_CLIENT, seenForAlice.claims().get("azp"),
                "the exchanged token was issued to the business client: " + seenForAlice.claims());
        assertNotEquals(alice.accessToken(), seenForAlice.token(), "the backend gets the exchanged token, not alice's");
        assertEquals(bob.claims().path("sub").asText(), String.valueOf(seenForBob.claims().get("sub")),
                "bob gets his own: " + seenForBob.claims());
        assertNotEquals(seenForAlice.token(), seenForBob.token());
    }

    @Test
    void hundredConcurrentRequestsByAliceMakeOneExchangeAtKeycloak() throws Exception {
        Login alice = login("alice");
        int before = keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT);
        Herd.Outcome herd = Herd.run(100, Duration.ofSeconds(60), i -> asUser(alice.accessToken()));
        List<Integer> statuses = new ArrayList<>();
        herd.answers().forEach(a -> statuses.add(a.status()));
        assertTrue(statuses.stream().allMatch(s -> s == 200), "every request served: " + statuses);
        assertEquals(1, keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT) - before,
                "Keycloak's own TOKEN_EXCHANGE events: one exchange for 100 concurrent requests by alice");
    }

    @Test
    void hundredForgedOrTamperedSubjectTokensMakeNoCallToKeycloak() throws Exception {
        Login alice = login("alice");
        int before = keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT);
        RSAKey forger = new RSAKeyGenerator(2048).keyID(new SignedJWTHeader(alice.accessToken()).kid()).generate();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String token = switch (i % 4) {
                case 0 -> forged(forger, alice.claims(), 300);
                case 1 -> forged(forger, alice.claims(), -60); // expired, and not Keycloak's signature
                case 2 -> tampered(alice.accessToken(), i);
                default -> "opaque" + UUID.randomUUID().toString().replace("-", "");
            };
            Http.Answer answer = asUser(token);
            statuses.add(answer.status());
            assertFalse(answer.body().contains(token), "a problem never echoes the token");
        }
        assertTrue(statuses.stream().allMatch(s -> s == 401), "every forged token refused with 401: " + statuses);
        assertEquals(0, keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT) - before,
                "no forged or expired subject token reached Keycloak");
        assertEquals(401, http.get(app.outboundUrl()).status(), "no user token: 401, never a service token");
    }

    @Test
    void aliceLogsOutAndKeycloaksBackChannelLogoutEvictsHerEntries() throws Exception {
        logoutArrived = new CountDownLatch(1);
        Login alice = login("alice");
        String body = "subject_token=" + URLEncoder.encode(alice.accessToken(), StandardCharsets.UTF_8);
        Http.Answer first = http.post(loopback.tokenUrl(), "application/x-www-form-urlencoded", body,
                "X-Loopback-Secret", CALLER_SECRET);
        assertEquals(200, first.status(), first.toString());
        Http.Answer hit = http.post(loopback.tokenUrl(), "application/x-www-form-urlencoded", body,
                "X-Loopback-Secret", CALLER_SECRET);
        assertEquals("HIT", hit.header("X-Loopback-Cache"), hit.toString());
        Http.Answer logout = http.post(keycloak.oidcEndpoint("logout"), "application/x-www-form-urlencoded",
                "client_id=" + LoopbackRealm.OBO_LOGIN_CLIENT + "&refresh_token=" + alice.refreshToken());
        assertEquals(204, logout.status(), logout.toString());
        assertTrue(logoutArrived.await(20, TimeUnit.SECONDS), "Keycloak sent its back-channel logout");
        assertTrue(relayed.contains(200), "the loopback accepted the logout token: " + relayed);
        Http.Answer after = http.post(loopback.tokenUrl(), "application/x-www-form-urlencoded", body,
                "X-Loopback-Secret", CALLER_SECRET);
        assertNotEquals("HIT", after.header("X-Loopback-Cache"), "alice's entry went with her session: " + after);
    }

    @Test
    void noLogLineOrMetricHoldsASubjectOrExchangedToken() throws Exception {
        // Our own loggers at every level; Jetty's DEBUG parser lines print request headers, which is the
        // container's business and off in production.
        try (LogCapture logs = LogCapture.start(Level.ALL, "dev.authloopback")) {
            Login alice = login("alice");
            assertEquals(200, asUser(alice.accessToken()).status());
            String exchanged = backend.seen().get(backend.seen().size() - 1).token();
            Http.Answer refused = asUser(tampered(alice.accessToken(), 7));
            String metrics = http.send(HttpRequest.newBuilder(loopback.url("/admin/metrics"))
                    .header("X-Loopback-Admin-Secret", CALLER_SECRET).GET()).body();
            assertTrue(metrics.contains("loopback_"), "metrics were read: " + metrics.length());
            for (String secret : List.of(alice.accessToken(), exchanged, signature(alice.accessToken()),
                    signature(exchanged))) {
                assertFalse(logs.text().contains(secret), "a log line holds a token");
                assertFalse(metrics.contains(secret), "the metrics hold a token");
                assertFalse(refused.body().contains(secret), "a problem holds a token");
            }
            assertNotNull(exchanged);
        }
    }

    private static String signature(String jwt) {
        return jwt.substring(jwt.lastIndexOf('.') + 1);
    }

    private String forged(RSAKey key, JsonNode claims, long lifeSeconds) throws Exception {
        long now = System.currentTimeMillis();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(claims.path("iss").asText()).audience(LoopbackRealm.OBO_BUSINESS_CLIENT)
                        .subject(claims.path("sub").asText()).expirationTime(new Date(now + lifeSeconds * 1000))
                        .jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** Keycloak's token with its payload changed (a longer exp): the signature no longer matches. */
    private String tampered(String jwt, int salt) {
        String[] parts = jwt.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replaceFirst("\"exp\":(\\d+)", "\"exp\":$1" + (salt % 10));
        return parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
    }

    /** The {@code kid} of a compact JWS header. */
    private record SignedJWTHeader(String jwt) {
        String kid() {
            try {
                return SignedJWT.parse(jwt).getHeader().getKeyID();
            } catch (java.text.ParseException e) {
                throw new AssertionError(e);
            }
        }
    }
}
