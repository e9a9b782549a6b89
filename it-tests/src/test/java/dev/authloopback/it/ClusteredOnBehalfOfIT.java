package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 22 across the cluster. Single flight per subject: two loopback nodes sharing a real
 * Terracotta server key one user's token alike (the subject HMAC key is derived from the cluster's
 * sealing key), so 20 concurrent exchanges of alice's token, half on each node, make one upstream
 * exchange; every caller gets the same exchanged token. The upstream (no Keycloak needed here) holds
 * its answer until all 20 requests are inside the nodes, so none can arrive after the exchange ended.
 */
class ClusteredOnBehalfOfIT {
    private static final String ISSUER = "https://idp.example/realms/demo";
    private static final String AUDIENCE = "orders-app";
    private static final String CALLER_SECRET = "caller-s3cret-cluster-obo-5c2a";
    private static final int HERD = 20;

    private final Http http = new Http(Duration.ofSeconds(30));
    private final ObjectMapper json = new ObjectMapper();
    private RSAKey key;
    private HttpServer jwks;

    @BeforeEach
    void startKeySet() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").keyUse(KeyUse.SIGNATURE).generate();
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] set = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/certs", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, set.length);
            exchange.getResponseBody().write(set);
            exchange.close();
        });
        jwks.start();
    }

    @AfterEach
    void stopKeySet() {
        jwks.stop(0);
    }

    @Test
    void twentyConcurrentExchangesOfOneUsersTokenAcrossTwoNodesMakeOneUpstreamExchange() throws Exception {
        Path keys = ClusterKeyFiles.oneKey(Files.createTempDirectory("clustered-obo").resolve("cluster.keys"));
        try (LogCapture logs = LogCapture.start(Level.ALL, "dev.authloopback", "org.ehcache");
             TerracottaServer terracotta = TerracottaServer.fromKit().start();
             FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer a = node(upstream, terracotta, keys);
             LoopbackServer b = node(upstream, terracotta, keys)) {
            awaitShared(a, b);
            upstream.otherwise(Answer.holdUntil(Duration.ofMillis(100),
                    () -> a.activeRequests() + b.activeRequests() >= HERD, Duration.ofSeconds(10), Answer.ok()));
            String alice = userToken("alice");

            Herd.Outcome herd = Herd.run(HERD, Duration.ofSeconds(60),
                    i -> exchange(i % 2 == 0 ? a : b, alice));

            List<String> tokens = herd.answers().stream().map(answer -> {
                assertEquals(200, answer.status(), answer.toString());
                return accessToken(answer);
            }).distinct().toList();
            assertEquals(1, upstream.callCount(), "20 exchanges of alice's token on two nodes: " + upstream.calls());
            assertEquals(1, tokens.size(), "every caller, on either node, got the one exchanged token");
            // Afterwards, either node answers alice from the shared entry; bob is exchanged on his own.
            assertEquals(tokens.get(0), accessToken(exchange(b, alice)));
            assertEquals(tokens.get(0), accessToken(exchange(a, alice)));
            assertEquals(1, upstream.callCount());
            String forBob = accessToken(exchange(b, userToken("bob")));
            assertNotEquals(tokens.get(0), forBob);
            assertEquals(2, upstream.callCount(), "bob's token is a key of its own");
            assertTrue(herd.wallTime().compareTo(Duration.ofSeconds(30)) < 0, "herd took " + herd.wallTime());
            assertTrue(logs.contains("cache=COALESCED action=SHARED(lease)"), "a caller on the other node waited on the lease");
            for (String token : List.of(alice, tokens.get(0), forBob)) {
                assertTrue(!logs.contains(token), "a subject or exchanged token in the log");
            }
        }
    }

    /**
     * A back-channel logout reaches one node; alice's entry was stored by the other. The cluster's
     * subject index lets the receiving node find and evict it, so neither node serves it again; bob's
     * entry stays.
     */
    @Test
    void aBackChannelLogoutAtOneNodeEvictsWhatTheOtherNodeStoredForThatUser() throws Exception {
        Path keys = ClusterKeyFiles.oneKey(Files.createTempDirectory("clustered-obo").resolve("cluster.keys"));
        try (LogCapture logs = LogCapture.start(Level.INFO, "dev.authloopback");
             TerracottaServer terracotta = TerracottaServer.fromKit().start();
             FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer a = node(upstream, terracotta, keys);
             LoopbackServer b = node(upstream, terracotta, keys)) {
            awaitShared(a, b);
            String alice = userToken("alice");
            String bob = userToken("bob");
            String alicesToken = accessToken(exchange(b, alice));
            String bobsToken = accessToken(exchange(b, bob));
            assertEquals(alicesToken, accessToken(exchange(a, alice)), "node a answers from b's entry");
            assertEquals(2, upstream.callCount(), upstream.calls()::toString);

            Http.Answer logout = http.post(a.url("/backchannel-logout/default"), "application/x-www-form-urlencoded",
                    "logout_token=" + logoutToken("alice"));

            assertEquals(200, logout.status(), logout.toString());
            assertTrue(logs.contains("back-channel logout: 1 entries evicted"), "node a evicted b's entry of alice");
            String afterwards = accessToken(exchange(b, alice));
            assertNotEquals(alicesToken, afterwards, "node b no longer serves alice's old entry");
            assertEquals(3, upstream.callCount(), "alice's token is exchanged again: " + upstream.calls());
            assertEquals(afterwards, accessToken(exchange(a, alice)));
            assertEquals(bobsToken, accessToken(exchange(a, bob)), "bob did not log out");
            assertEquals(3, upstream.callCount(), upstream.calls()::toString);
        }
    }

    private String logoutToken(String sub) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(sub)
                .issueTime(new Date()).jwtID(UUID.randomUUID().toString())
                .claim("events", java.util.Map.of("http://schemas.openid.net/event/backchannel-logout", java.util.Map.of()))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(new com.nimbusds.jose.JOSEObjectType("logout+jwt")).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private Http.Answer exchange(LoopbackServer node, String subjectToken) {
        return http.post(node.tokenUrl(), "application/x-www-form-urlencoded",
                "subject_token=" + URLEncoder.encode(subjectToken, StandardCharsets.UTF_8),
                "X-Loopback-Secret", CALLER_SECRET);
    }

    private String accessToken(Http.Answer answer) {
        assertEquals(200, answer.status(), answer.toString());
        try {
            return json.readTree(answer.body()).path("access_token").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + answer, e);
        }
    }

    private String userToken(String sub) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(List.of(AUDIENCE, "account"))
                .subject(sub).claim("sid", UUID.randomUUID().toString()).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(10)))).jwtID(UUID.randomUUID().toString()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private LoopbackServer node(FaultyUpstream upstream, TerracottaServer terracotta, Path keys) {
        return LoopbackServer.builder().upstream(upstream.tokenUrl())
                .setting("shared-secret", CALLER_SECRET)
                .setting("client-auth", "client_secret_basic")
                .setting("client-id", AUDIENCE)
                .setting("client-secret", "orders-s3cret")
                .setting("grant-type", "urn:ietf:params:oauth:grant-type:token-exchange")
                .setting("subject-issuer", ISSUER)
                .setting("subject-audience", AUDIENCE)
                .setting("subject-jwks-url", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/certs")
                .setting("cluster-uri", terracotta.uri("auth-loopback-obo"))
                .setting("cluster-key-file", keys)
                .setting("cluster-pool-size", "8MiB")
                .setting("cluster-connection-timeout", "10s")
                .setting("cluster-read-timeout", "5s")
                .setting("cluster-write-timeout", "5s")
                .start();
    }

    /** Both nodes share the clustered tier (a node that could not connect yet retries on its own). */
    private void awaitShared(LoopbackServer... nodes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (LoopbackServer node : nodes) {
            Http.Answer metrics;
            // An owning profile's admin views take its caller secret (admin-secret defaults to it).
            while (!(metrics = http.send(java.net.http.HttpRequest.newBuilder(node.url("/admin/metrics"))
                    .header("X-Loopback-Admin-Secret", CALLER_SECRET).GET())).body()
                    .contains("\nloopback_cluster_connected 1.0\n")) {
                Http.Answer last = metrics;
                assertTrue(System.nanoTime() < deadline, () -> "node not sharing the cluster within 60 s: " + last.status());
                Thread.sleep(100);
            }
        }
    }
}
