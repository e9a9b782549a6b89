package dev.authloopback.loopback;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exchange profiles on the loopback alone: a local issuer (its JWKS served over HTTP) signs the
 * users' tokens, a counting token endpoint stands in for the IdP, and the clock is injected.
 */
class OnBehalfOfExchangeTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String ISSUER = "https://idp.test/realms/demo";
    private static final String AUDIENCE = "orders-app";
    private static final String SECRET = "caller-secret-0123456789";

    private final MutableClock clock = new MutableClock(Instant.now());
    private RSAKey key;
    private HttpServer jwks;
    private final AtomicInteger jwksCalls = new AtomicInteger();
    private CountingUpstream upstream;
    private LoopbackTestServer loopback;

    @BeforeEach
    void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").keyUse(KeyUse.SIGNATURE).generate();
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] set = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/certs", exchange -> {
            jwksCalls.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, set.length);
            exchange.getResponseBody().write(set);
            exchange.close();
        });
        jwks.start();
        upstream = new CountingUpstream();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("upstream-url", upstream.url());
        settings.put("client-auth", "client_secret_basic");
        settings.put("client-id", AUDIENCE);
        settings.put("client-secret", "orders-secret");
        settings.put("shared-secret", SECRET);
        settings.put("grant-type", "urn:ietf:params:oauth:grant-type:token-exchange");
        settings.put("subject-issuer", ISSUER);
        settings.put("subject-audience", AUDIENCE);
        settings.put("subject-jwks-url", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/certs");
        settings.put("audience", "orders-api");
        settings.put("refresh-ahead", "0");
        loopback = new LoopbackTestServer(settings, clock);
    }

    @AfterEach
    void stop() throws Exception {
        loopback.close();
        upstream.close();
        jwks.stop(0);
    }

    private String userToken(String sub, String sid, Duration life, Consumer<JWTClaimsSet.Builder> more)
            throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(List.of(AUDIENCE, "account"))
                .subject(sub).claim("sid", sid).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(life)))
                .jwtID(UUID.randomUUID().toString());
        more.accept(claims);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1")
                .type(JOSEObjectType.JWT).build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private HttpResponse<String> exchange(String subjectToken, String... more) throws Exception {
        StringBuilder body = new StringBuilder("subject_token=")
                .append(URLEncoder.encode(subjectToken, StandardCharsets.UTF_8));
        for (String field : more) {
            body.append('&').append(field);
        }
        return loopback.post("", FORM, body.toString(), "X-Loopback-Secret", SECRET);
    }

    @Test
    void exchangeWhenSubjectTokenIsValidThenOneUpstreamCallCarriesItAndTheNextRequestIsAHit() throws Exception {
        String alice = userToken("alice", "s-a", Duration.ofMinutes(5), c -> { });
        HttpResponse<String> first = exchange(alice, "audience=orders-api");
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("MISS", first.headers().firstValue("X-Loopback-Cache").orElse(""), first.body());
        String sent = upstream.received().get(0).body();
        assertTrue(sent.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"), sent);
        assertTrue(sent.contains("subject_token=" + alice), sent);
        assertTrue(sent.contains("subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token"), sent);
        HttpResponse<String> second = exchange(alice, "audience=orders-api");
        assertEquals("HIT", second.headers().firstValue("X-Loopback-Cache").orElse(""), second.body());
        assertEquals(first.body(), second.body());
        String bob = userToken("bob", "s-b", Duration.ofMinutes(5), c -> { });
        HttpResponse<String> bobs = exchange(bob, "audience=orders-api");
        assertEquals("MISS", bobs.headers().firstValue("X-Loopback-Cache").orElse(""), bobs.body());
        assertFalse(bobs.body().equals(first.body()), "bob never gets alice's token");
        assertEquals(2, upstream.calls());
    }

    @Test
    void exchangeWhenSubjectTokensAreForgedOrExpiredThenNoUpstreamCallIsMade() throws Exception {
        RSAKey other = new RSAKeyGenerator(2048).keyID("k1").generate();
        for (int i = 0; i < 100; i++) {
            String token = switch (i % 6) {
                case 0 -> userToken("alice", "s", Duration.ofSeconds(-1), c -> { });
                case 1 -> userToken("alice", "s", Duration.ofMinutes(5), c -> c.issuer("https://evil.test"));
                case 2 -> userToken("alice", "s", Duration.ofMinutes(5), c -> c.audience("someone-else"));
                case 3 -> userToken("alice", "s", Duration.ofMinutes(5),
                        c -> c.claim("cnf", Map.of("jkt", "abc")));
                case 4 -> "opaque-" + UUID.randomUUID();
                default -> forged(other);
            };
            HttpResponse<String> answer = exchange(token);
            assertEquals(401, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("invalid-subject-token"), answer.body());
            assertFalse(answer.body().contains(token), "a problem never echoes the subject token");
        }
        assertEquals(0, upstream.calls(), "no forged, expired or bound subject token reaches the IdP");
        assertTrue(jwksCalls.get() <= 2, "unknown keys fetch the JWKS at most once per interval: " + jwksCalls);
    }

    private String forged(RSAKey other) throws Exception {
        Instant now = clock.instant();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("alice")
                        .expirationTime(Date.from(now.plusSeconds(300))).jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new RSASSASigner(other));
        return jwt.serialize();
    }

    @Test
    void entryWhenSubjectTokenEndsBeforeTheExchangedOneThenItEndsNoLaterThanTheSubjectToken() throws Exception {
        upstream.expiresIn(3600);
        String alice = userToken("alice", "s-a", Duration.ofSeconds(120), c -> { });
        assertEquals("MISS", exchange(alice).headers().firstValue("X-Loopback-Cache").orElse(""));
        clock.advance(Duration.ofSeconds(100));
        assertEquals("HIT", exchange(alice).headers().firstValue("X-Loopback-Cache").orElse(""));
        // 1 s before the subject token ends: the entry has already ended (skew = lifetime / 10).
        clock.advance(Duration.ofSeconds(19));
        HttpResponse<String> late = exchange(alice);
        assertEquals("MISS", late.headers().firstValue("X-Loopback-Cache").orElse(""), late.body());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(401, exchange(alice).statusCode(), "an expired subject token is refused, not served");
    }

    @Test
    void backChannelLogoutWhenLogoutTokenIsValidThenTheUsersEntriesAreEvicted() throws Exception {
        String alice = userToken("alice", "s-a", Duration.ofMinutes(5), c -> { });
        String bob = userToken("bob", "s-b", Duration.ofMinutes(5), c -> { });
        exchange(alice);
        exchange(bob);
        String forgedLogout = logoutToken("alice", new RSAKeyGenerator(2048).keyID("k1").generate());
        HttpResponse<String> refused = loopback.post("/../backchannel-logout", FORM,
                "logout_token=" + forgedLogout);
        assertTrue(refused.statusCode() == 400 || refused.statusCode() == 404, refused.body());
        HttpResponse<String> forged = post("/backchannel-logout/default", "logout_token=" + forgedLogout);
        assertEquals(400, forged.statusCode(), forged.body());
        assertEquals("HIT", exchange(alice).headers().firstValue("X-Loopback-Cache").orElse(""));
        HttpResponse<String> logout = post("/backchannel-logout/default", "logout_token=" + logoutToken("alice", key));
        assertEquals(200, logout.statusCode(), logout.body());
        assertEquals("MISS", exchange(alice).headers().firstValue("X-Loopback-Cache").orElse(""),
                "alice's entry went with her session");
        assertEquals("HIT", exchange(bob).headers().firstValue("X-Loopback-Cache").orElse(""), "bob's stays");
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return loopback.post(path, FORM, body);
    }

    private String logoutToken(String sub, RSAKey signer) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1")
                .type(new JOSEObjectType("logout+jwt")).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(sub)
                        .issueTime(Date.from(clock.instant())).jwtID(UUID.randomUUID().toString())
                        .claim("events", Map.of("http://schemas.openid.net/event/backchannel-logout", Map.of()))
                        .build());
        jwt.sign(new RSASSASigner(signer));
        return jwt.serialize();
    }

    @Test
    void exchangeWhenCallerAsksForAnotherTokenTypeThenRefusedWithoutUpstreamCall() throws Exception {
        String alice = userToken("alice", "s-a", Duration.ofMinutes(5), c -> { });
        HttpResponse<String> refresh = exchange(alice,
                "requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Arefresh_token");
        assertEquals(403, refresh.statusCode(), refresh.body());
        HttpResponse<String> none = loopback.post("", FORM, "audience=orders-api", "X-Loopback-Secret", SECRET);
        assertEquals(400, none.statusCode(), none.body());
        assertTrue(none.body().contains("subject-token-required"), none.body());
        assertEquals(0, upstream.calls());
    }

    @Test
    void noLogLineOrProblemHoldsASubjectOrExchangedToken() throws Exception {
        try (LogCapture logs = LogCapture.start(Level.ALL, "dev.authloopback", "org.eclipse.jetty")) {
            String alice = userToken("alice", "s-a", Duration.ofMinutes(5), c -> { });
            HttpResponse<String> answer = exchange(alice);
            String exchanged = answer.body().replaceAll(".*\"access_token\":\"([^\"]+)\".*", "$1");
            exchange(alice);
            String expired = userToken("alice", "s-a", Duration.ofSeconds(-5), c -> { });
            HttpResponse<String> refused = exchange(expired);
            post("/backchannel-logout/default", "logout_token=" + logoutToken("alice", key));
            String metrics = loopback.send(java.net.http.HttpRequest.newBuilder(loopback.uri("/admin/metrics"))
                    .build()).body();
            for (String secret : List.of(alice, expired, exchanged, alice.substring(alice.lastIndexOf('.') + 1))) {
                assertFalse(logs.text().contains(secret), "a log line holds a token");
                assertFalse(metrics.contains(secret), "metrics hold a token");
                assertFalse(refused.body().contains(secret), "a problem holds a token");
            }
            assertFalse(logs.lines().isEmpty(), "the exchanges were logged (without tokens)");
        }
    }
}
