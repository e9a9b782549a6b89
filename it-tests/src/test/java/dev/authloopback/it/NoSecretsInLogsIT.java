package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.TestPki;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.http.RecordingBackend.Seen;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import dev.authloopback.testsupport.oauth2.VerifyingTokenEndpoint;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Pattern, failure and eviction scenarios with every logger of the product (loopback.war, the
 * filter jar, Jersey, Ehcache) at the finest level, then a search of all captured output for every
 * token issued, the client secrets and the shared secret (issue 6, "Secrets").
 *
 * <p>Everything else (Jetty, the JDK) is captured at the configured INFO and up: their DEBUG output
 * dumps raw HTTP headers by design (e.g. {@code sun.net.www.protocol.http.HttpURLConnection} at FINE
 * prints every request header), an operator's choice outside the product. Left out entirely: the
 * test's own OAuth2 server stack (mock-oauth2-server, OkHttp, Netty), the upstream, not the product.
 */
class NoSecretsInLogsIT {

    private static final String SHARED_SECRET = "shared-5ecret-for-the-loopback";
    private static final String FAULT_CLIENT_SECRET = "fault-client-5ecret";
    private static final String OWNED_CLIENT_SECRET = "owned-client-5ecret-9b2";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final List<String> PRODUCT_LOGGERS = List.of("dev.authloopback", "org.glassfish.jersey", "org.ehcache");

    private final Http http = new Http();

    @Test
    void noTokenClientSecretOrSharedSecretAppearsInAnyLogLine() throws Exception {
        Set<String> secrets = new LinkedHashSet<>();
        secrets.add(System.getProperty("sample.client-secret"));
        secrets.add(FAULT_CLIENT_SECRET);
        secrets.add(SHARED_SECRET);
        try (LogCapture logs = LogCapture.start(Level.ALL, PRODUCT_LOGGERS.toArray(String[]::new))
                .excluding("no.nav", "okhttp3", "mockwebserver", "io.netty", "freemarker", "com.nimbusds")) {
            patternAndEvictionScenario(secrets);
            failureScenario(secrets);
            owningModeScenario(secrets);

            secrets.removeIf(Objects::isNull);
            assertTrue(secrets.size() > 5, () -> "too few secrets collected to prove anything: " + secrets.size());
            assertTrue(logs.lines().size() > 10, () -> "too little captured to prove anything:\n" + logs.text());
            for (String secret : secrets) {
                // The message names the loggers, never the leaking lines: they hold the secret.
                List<String> leakingLoggers = logs.linesContaining(secret).stream()
                        .map(line -> line.substring(0, line.indexOf(' '))).distinct().toList();
                assertEquals(List.of(), leakingLoggers, () -> "secret " + fingerprint(secret) + " logged by " + leakingLoggers);
            }
            System.out.printf("NoSecretsInLogsIT: %d captured log lines searched for %d secrets (tokens, client"
                    + " secrets, shared secret): none found%n", logs.lines().size(), secrets.size());
        }
    }

    private void patternAndEvictionScenario(Set<String> secrets) throws Exception {
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl())
                     .setting("shared-secret", SHARED_SECRET).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .filterParam("token-headers", "X-Loopback-Secret: " + SHARED_SECRET).start()) {
            Http.Answer first = http.get(app.forwardUrl());
            Http.Answer second = http.get(app.forwardUrl());
            backend.reject(backend.seen().get(0).token(), 1);
            Http.Answer refused = http.get(app.forwardUrl());
            Http.Answer renewed = http.get(app.forwardUrl());
            Http.Answer outbound = http.get(app.outboundUrl());
            Http.Answer wrongSecret = http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials",
                    "X-Loopback-Secret", "wrong-" + SHARED_SECRET);
            backend.seen().stream().map(Seen::token).forEach(secrets::add);

            String message = List.of(first, second, refused, renewed, outbound, wrongSecret).toString();
            assertEquals(List.of(200, 200, 401, 200, 200, 401), List.of(first.status(), second.status(),
                    refused.status(), renewed.status(), outbound.status(), wrongSecret.status()), message);
            assertEquals(2, oauth2.tokenRequests(), message);
            loopback.awaitExchanges(e -> "DELETE".equals(e.method()), 1, Duration.ofSeconds(5));
        }
    }

    private void failureScenario(Set<String> secrets) {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("shared-secret", SHARED_SECRET)
                     .setting("connect-timeout", "300ms")
                     .setting("read-timeout", "300ms")
                     .setting("max-response-bytes", 4096).start()) {
            upstream.script(Answer.status(401), Answer.status(500), Answer.nonJson(), Answer.jsonWithoutAccessToken(),
                    Answer.oversize(8192), Answer.resetMidBody(), Answer.garbage(), Answer.slow(Duration.ofMillis(900)),
                    Answer.ok());
            String body = "grant_type=client_credentials&client_id=fault&client_secret=" + FAULT_CLIENT_SECRET;
            for (int i = 0; i < 10; i++) {
                http.post(loopback.tokenUrl(), FORM, body, "X-Loopback-Secret", SHARED_SECRET,
                        "Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                                ("fault:" + FAULT_CLIENT_SECRET).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            secrets.addAll(upstream.issuedTokens());
            assertTrue(upstream.callCount() >= 9, () -> "upstream calls: " + upstream.calls());
        }
    }

    /**
     * Issue 12: the loopback's own client secret, key password and every signed assertion stay out of
     * the logs, start-up configuration line and refused deployment included.
     */
    private void owningModeScenario(Set<String> secrets) throws Exception {
        secrets.add(OWNED_CLIENT_SECRET);
        secrets.add(TestPki.PASSWORD);
        // Issue 20: owning profiles require a caller secret; it stays out of the logs like the others.
        String callerSecret = "caller-s3cret-never-logged";
        secrets.add(callerSecret);
        try (VerifyingTokenEndpoint basicIdp = VerifyingTokenEndpoint.clientSecretBasic("owner", OWNED_CLIENT_SECRET);
             LoopbackServer loopback = LoopbackServer.builder().upstream(basicIdp.tokenUrl())
                     .setting("client-auth", "client_secret_basic").setting("client-id", "owner")
                     .setting("client-secret", OWNED_CLIENT_SECRET)
                     .setting("shared-secret", callerSecret).setting("allowed-scopes", "a b").start()) {
            http.post(loopback.tokenUrl(), FORM, "scope=a", "X-Loopback-Secret", callerSecret);
            http.post(loopback.tokenUrl(), FORM, "scope=a", "X-Loopback-Secret", callerSecret);
            http.post(loopback.tokenUrl(), FORM, "scope=a&client_secret=" + OWNED_CLIENT_SECRET,
                    "X-Loopback-Secret", callerSecret);
            basicIdp.calls().forEach(call -> secrets.add(call.accessToken()));
            assertEquals(List.of(), basicIdp.refusals(), basicIdp.calls().toString());
        }
        Path dir = Files.createTempDirectory("no-secrets-pki");
        TestPki pki = TestPki.create(dir);
        try (VerifyingTokenEndpoint jwtIdp = VerifyingTokenEndpoint.privateKeyJwt("owner", pki.clientPublicKey());
             LoopbackServer loopback = LoopbackServer.builder().upstream(jwtIdp.tokenUrl())
                     .setting("client-auth", "private_key_jwt").setting("client-id", "owner")
                     .setting("client-key-file", pki.clientKeyStore())
                     .setting("client-key-password", TestPki.PASSWORD)
                     .setting("shared-secret", callerSecret).setting("allowed-scopes", "a b").start()) {
            http.post(loopback.tokenUrl(), FORM, "scope=a", "X-Loopback-Secret", callerSecret);
            http.post(loopback.tokenUrl(), FORM, "scope=b", "X-Loopback-Secret", callerSecret);
            jwtIdp.calls().forEach(call -> {
                secrets.add(call.accessToken());
                secrets.add(call.field("client_assertion"));
            });
            assertEquals(List.of(), jwtIdp.refusals(), jwtIdp.calls().toString());
        }
        // Issue 21: client_secret_jwt's secret and its assertions stay out of the logs too.
        String hs256Secret = "hs256-s3cret-never-logged-0123456789";
        secrets.add(hs256Secret);
        try (VerifyingTokenEndpoint secretJwtIdp = VerifyingTokenEndpoint.clientSecretJwt("owner", hs256Secret);
             LoopbackServer loopback = LoopbackServer.builder().upstream(secretJwtIdp.tokenUrl())
                     .setting("client-auth", "client_secret_jwt").setting("client-id", "owner")
                     .setting("client-secret", hs256Secret)
                     .setting("shared-secret", callerSecret).setting("allowed-scopes", "a b").start()) {
            http.post(loopback.tokenUrl(), FORM, "scope=a", "X-Loopback-Secret", callerSecret);
            secretJwtIdp.calls().forEach(call -> {
                secrets.add(call.accessToken());
                secrets.add(call.field("client_assertion"));
            });
            assertEquals(List.of(), secretJwtIdp.refusals(), secretJwtIdp.calls().toString());
        }
        platformAssertionScenario(secrets, pki, dir, callerSecret);
        try {
            LoopbackServer.builder().setting("upstream-url", "https://127.0.0.1:9/token")
                    .setting("client-auth", "tls_client_auth").setting("client-id", "owner")
                    .setting("key-store", pki.clientKeyStore()).setting("key-store-password", "x" + TestPki.PASSWORD)
                    .setting("shared-secret", callerSecret).start().close();
        } catch (LoopbackServer.DeploymentFailed expected) {
            secrets.add("x" + TestPki.PASSWORD);
        }
    }

    /**
     * Issue 21, workload identity: the platform's JWT is never logged, whether it is sent, expired at
     * start-up (a WARNING, and 503 for the miss), refused as an expired renewal, or renewed.
     */
    private void platformAssertionScenario(Set<String> secrets, TestPki pki, Path dir, String callerSecret)
            throws Exception {
        KeyPair platform = pki.ecKeyAsPem(dir.resolve("platform-key.pem"));
        Path file = dir.resolve("projected-token");
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.platformAssertion("owner", platform.getPublic(),
                VerifyingTokenEndpoint.JWT_BEARER)) {
            String expired = platformToken(file, platform, idp, Instant.now().minusSeconds(60));
            secrets.add(expired);
            try (LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl())
                    .setting("client-auth", "private_key_jwt").setting("client-id", "owner")
                    .setting("client-assertion-file", file)
                    .setting("shared-secret", callerSecret).setting("allowed-scopes", "a b").start()) {
                Http.Answer refused = http.post(loopback.tokenUrl(), FORM, "scope=a", "X-Loopback-Secret", callerSecret);
                secrets.add(platformToken(file, platform, idp, Instant.now().plusSeconds(3600)));
                Http.Answer fresh = http.post(loopback.tokenUrl(), FORM, "scope=a", "X-Loopback-Secret", callerSecret);
                secrets.add(platformToken(file, platform, idp, Instant.now().minusSeconds(1)));
                Http.Answer keptFresh = http.post(loopback.tokenUrl(), FORM, "scope=b", "X-Loopback-Secret",
                        callerSecret);
                idp.calls().forEach(call -> secrets.add(call.accessToken()));
                String message = refused + " / " + fresh + " / " + keptFresh + " upstream " + idp.calls();
                assertEquals(List.of(503, 200, 200), List.of(refused.status(), fresh.status(), keptFresh.status()),
                        message);
                assertEquals(List.of(), idp.refusals(), message);
            }
        }
    }

    /** A platform-issued JWT, renamed into place as kubelet does. */
    private static String platformToken(Path file, KeyPair platform, VerifyingTokenEndpoint idp, Instant expiresAt)
            throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).build(), new JWTClaimsSet.Builder()
                .subject("system:serviceaccount:orders:orders").audience(idp.tokenUrl().toString())
                .expirationTime(Date.from(expiresAt)).jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new ECDSASigner((ECPrivateKey) platform.getPrivate()));
        Path next = Files.writeString(file.resolveSibling("next-token"), jwt.serialize());
        // Within one timestamp tick of the last write, the renamed file's new inode still tells the change.
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return jwt.serialize();
    }

    private static String fingerprint(String secret) {
        return secret.length() <= 6 ? "<short>" : secret.substring(0, 3) + "…(" + secret.length() + " chars)";
    }
}
