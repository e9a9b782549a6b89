package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.X509CertUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.TestPki;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.oauth2.VerifyingTokenEndpoint;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, "Secrets in one place": in each owning mode the loopback authenticates to the token
 * endpoint itself, and the endpoint ({@link VerifyingTokenEndpoint}) checks that it really did — the
 * Basic header, the form fields, the RFC 7523 assertion's signature and claims, the client
 * certificate on a TLS listener that requires one. Each mode shows: 100 concurrent callers → one
 * upstream call, two callers → the same token, callers sending credentials → 400 problem JSON.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsInOnePlaceIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CLIENT_ID = "orders-service";
    private static final String SECRET = "s3cret-basic-0f4e1c9a";
    /** Issue 20: owning profiles require a caller secret; callers here send it, the tests are about upstream auth. */
    private static final String CALLER_SECRET = "caller-s3cret-51d0c7aa";
    private static final String CALLER_SECRET_HEADER = "X-Loopback-Secret";

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();
    private TestPki pki;
    private Path dir;

    @BeforeAll
    void makeKeysWithKeytool(@TempDir Path tempDir) {
        dir = tempDir;
        pki = TestPki.create(tempDir);
    }

    @Test
    void clientSecretBasicOneUpstreamCallForAHerdAndCallersSendOnlyTheScope() throws Exception {
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.clientSecretBasic(CLIENT_ID, SECRET);
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("allowed-scopes", "orders.read a b")
                     .setting("client-auth", "client_secret_basic").setting("client-id", CLIENT_ID)
                     .setting("client-secret", SECRET).start()) {
            provesTheOwningContract(loopback.tokenUrl(), idp);
        }
    }

    @Test
    void clientSecretPostFromAFileRotatesWithoutARestart() throws Exception {
        Path secretFile = dir.resolve("client-secret.txt");
        Files.writeString(secretFile, SECRET + "\n");
        String rotated = "s3cret-rotated-77aa01-longer";
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.clientSecretPost(CLIENT_ID, SECRET);
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("allowed-scopes", "orders.read a b")
                     .setting("client-auth", "client_secret_post").setting("client-id", CLIENT_ID)
                     .setting("client-secret-file", secretFile).setting("min-refresh-interval", "0s").start()) {
            String token = provesTheOwningContract(loopback.tokenUrl(), idp);
            Http.Answer before = tokenCall(loopback.tokenUrl(), "scope=orders.read");

            // The operator rotates: the IdP takes the new secret, the file gets it; no restart.
            idp.acceptSecret(rotated);
            Files.writeString(secretFile, rotated + "\n");
            Files.setLastModifiedTime(secretFile, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
            Http.Answer stillCached = tokenCall(loopback.tokenUrl(), "scope=orders.read");
            Http.Answer evicted = http.send(HttpRequest.newBuilder(loopback.tokenUrl()).header("Content-Type", FORM)
                    .header("If-Match", before.header("ETag")).header(CALLER_SECRET_HEADER, CALLER_SECRET)
                    .method("DELETE", HttpRequest.BodyPublishers.ofString("scope=orders.read")));
            Http.Answer after = tokenCall(loopback.tokenUrl(), "scope=orders.read");
            List<VerifyingTokenEndpoint.Call> calls = idp.calls();
            String message = List.of(before, stillCached, evicted, after) + " upstream " + calls;
            assertAll(
                    () -> assertEquals(token, accessToken(stillCached), "cached token stays valid: " + message),
                    () -> assertEquals(204, evicted.status(), message),
                    () -> assertEquals("MISS", after.header("X-Loopback-Cache"), message),
                    () -> assertEquals(200, after.status(), message),
                    () -> assertEquals(rotated, calls.get(calls.size() - 1).field("client_secret"),
                            "the next upstream call carries the new secret: " + message),
                    () -> assertEquals(List.of(), idp.refusals(), message));
        }
    }

    /**
     * Issue 21: with default settings the key file's certificate names the key ({@code x5t#S256},
     * {@code x5t}), and no {@code kid} made up here is sent: the IdP (registered with the certificate)
     * tries its registered key, as Keycloak does.
     */
    @Test
    void privateKeyJwtSignsAFreshVerifiableAssertionPerUpstreamCall() throws Exception {
        X509Certificate certificate = (X509Certificate) KeyStore.getInstance(pki.clientKeyStore().toFile(),
                TestPki.PASSWORD.toCharArray()).getCertificate("client");
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.privateKeyJwt(CLIENT_ID, certificate);
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("allowed-scopes", "orders.read a b")
                     .setting("client-auth", "private_key_jwt").setting("client-id", CLIENT_ID)
                     .setting("client-key-file", pki.clientKeyStore())
                     .setting("client-key-password", TestPki.PASSWORD).start()) {
            provesTheOwningContract(loopback.tokenUrl(), idp);
            tokenCall(loopback.tokenUrl(), "scope=a");
            tokenCall(loopback.tokenUrl(), "scope=b");
            List<VerifyingTokenEndpoint.Call> calls = idp.calls();
            Set<String> jtis = calls.stream().map(VerifyingTokenEndpoint.Call::jti).filter(Objects::nonNull)
                    .collect(Collectors.toSet());
            String x5tS256 = X509CertUtils.computeSHA256Thumbprint(certificate).toString();
            assertAll(
                    () -> assertEquals(List.of(), idp.refusals(), "every assertion verified: " + calls),
                    () -> assertEquals(3, calls.size(), "one call per distinct scope (orders.read, a, b): " + calls),
                    () -> assertEquals(calls.size(), jtis.size(), "a different jti per upstream call: " + calls),
                    () -> assertTrue(calls.stream().allMatch(c -> c.assertionHeader().kid() == null
                            && x5tS256.equals(c.assertionHeader().x5tS256()) && c.assertionHeader().x5t() != null),
                            "no kid, the certificate's x5t#S256 and x5t: " + calls));
        }
    }

    @Test
    void privateKeyJwtWithAnEcKeyInPemSignsEs256() throws Exception {
        Path pem = dir.resolve("client-ec.pem");
        KeyPair pair = pki.ecKeyAsPem(pem);
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.privateKeyJwt(CLIENT_ID, pair.getPublic());
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("allowed-scopes", "orders.read a b")
                     .setting("client-auth", "private_key_jwt").setting("client-id", CLIENT_ID)
                     .setting("client-key-file", pem).setting("client-key-id", "ec-key-1").start()) {
            Http.Answer answer = tokenCall(loopback.tokenUrl(), "");
            assertAll(
                    () -> assertEquals(200, answer.status(), answer + " upstream " + idp.calls()),
                    () -> assertEquals(List.of(), idp.refusals(), answer.toString()),
                    () -> assertEquals(1, idp.calls().size(), answer.toString()),
                    () -> assertEquals(new VerifyingTokenEndpoint.AssertionHeader("ES256", "ec-key-1", null, null),
                            idp.calls().get(0).assertionHeader(), "client-key-id is sent as kid"));
        }
    }

    @Test
    void privateKeyJwtWithAnEcKeyInPemAndDefaultSettingsSendsNoKid() throws Exception {
        Path pem = dir.resolve("client-ec-default.pem");
        KeyPair pair = pki.ecKeyAsPem(pem);
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.privateKeyJwt(CLIENT_ID, pair.getPublic());
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("client-auth", "private_key_jwt").setting("client-id", CLIENT_ID)
                     .setting("client-key-file", pem).start()) {
            Http.Answer answer = tokenCall(loopback.tokenUrl(), "");
            assertAll(
                    () -> assertEquals(200, answer.status(), answer + " upstream " + idp.calls()),
                    () -> assertEquals(List.of(), idp.refusals(), answer.toString()),
                    () -> assertEquals(new VerifyingTokenEndpoint.AssertionHeader("ES256", null, null, null),
                            idp.calls().get(0).assertionHeader(), idp.calls().toString()));
        }
    }

    @Test
    void clientSecretJwtSignsHs256WithTheSecretAndKeepsTheOwningContract() throws Exception {
        String secret = "s3cret-jwt-" + "0123456789abcdef0123456789";
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.clientSecretJwt(CLIENT_ID, secret);
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("allowed-scopes", "orders.read a b")
                     .setting("client-auth", "client_secret_jwt").setting("client-id", CLIENT_ID)
                     .setting("client-secret", secret).start()) {
            provesTheOwningContract(loopback.tokenUrl(), idp);
            VerifyingTokenEndpoint.Call call = idp.calls().get(0);
            assertAll(
                    () -> assertEquals("HS256", call.assertionHeader().alg(), call.toString()),
                    () -> assertNull(call.field("client_secret"), "the secret never leaves: " + call),
                    () -> assertNotNull(call.jti(), call.toString()));
        }
    }

    /**
     * Issue 21, workload identity: the platform renews its JWT every 2 s (written and renamed into place
     * as kubelet does) while callers keep missing (ttl=1s over four keys); no request fails, and every
     * renewal reaches the IdP.
     */
    @Test
    void aPlatformAssertionRenewedEveryTwoSecondsUnderLoadFailsNoRequest() throws Exception {
        KeyPair platform = pki.ecKeyAsPem(dir.resolve("platform-key.pem"));
        Path token = dir.resolve("projected-token");
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.platformAssertion(CLIENT_ID, platform.getPublic(),
                VerifyingTokenEndpoint.JWT_BEARER)) {
            Set<String> written = new java.util.concurrent.CopyOnWriteArraySet<>();
            written.add(writePlatformToken(token, platform, idp.tokenUrl()));
            try (LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl())
                    .setting("shared-secret", CALLER_SECRET).setting("allowed-scopes", "a b c d")
                    .setting("client-auth", "private_key_jwt").setting("client-id", CLIENT_ID)
                    .setting("client-assertion-file", token).setting("ttl", "1s").start()) {
                long end = System.nanoTime() + Duration.ofSeconds(7).toNanos();
                java.util.concurrent.ScheduledExecutorService platformAgent =
                        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
                platformAgent.scheduleAtFixedRate(() -> written.add(writePlatformToken(token, platform, idp.tokenUrl())),
                        2, 2, java.util.concurrent.TimeUnit.SECONDS);
                List<Http.Answer> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
                int requests = 0;
                try {
                    while (System.nanoTime() < end) {
                        Herd.Outcome round = Herd.run(8, Duration.ofSeconds(30),
                                i -> tokenCall(loopback.tokenUrl(), "scope=" + "abcd".charAt(i % 4)));
                        requests += round.answers().size();
                        round.answers().stream().filter(a -> a.status() != 200).forEach(failed::add);
                    }
                } finally {
                    platformAgent.shutdownNow();
                    platformAgent.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
                }
                Set<String> sent = idp.calls().stream().map(c -> c.field("client_assertion")).collect(Collectors.toSet());
                String message = requests + " requests, failed " + failed + ", " + idp.calls().size()
                        + " upstream calls with " + sent.size() + " distinct assertions of " + written.size()
                        + " written; refusals " + idp.refusals();
                System.out.println("SecretsInOnePlaceIT platform assertion renewed under load: " + message);
                assertAll(
                        () -> assertEquals(List.of(), failed, message),
                        () -> assertEquals(List.of(), idp.refusals(), message),
                        () -> assertTrue(written.containsAll(sent), "only what the platform wrote is sent: " + message),
                        () -> assertTrue(sent.size() >= 3, "the renewals reached the IdP: " + message),
                        () -> assertTrue(idp.calls().stream().allMatch(c -> VerifyingTokenEndpoint.JWT_BEARER
                                .equals(c.field("client_assertion_type"))), message));
            }
        }
    }

    /** Writes a fresh platform token (an hour's validity) to a temporary file, then renames it into place. */
    private static String writePlatformToken(Path file, KeyPair platform, URI audience) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("platform-1").build(),
                    new JWTClaimsSet.Builder().issuer("https://kubernetes.default.svc")
                            .subject("system:serviceaccount:orders:orders-service").audience(audience.toString())
                            .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                            .jwtID(UUID.randomUUID().toString()).build());
            jwt.sign(new ECDSASigner((ECPrivateKey) platform.getPrivate()));
            Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), jwt.serialize());
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException("platform token", e);
        }
    }

    @Test
    void tlsClientAuthPresentsTheClientCertificateToAnIdpThatRequiresOne() throws Exception {
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.tlsClientAuth(CLIENT_ID, pki);
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("allowed-scopes", "orders.read a b")
                     .setting("client-auth", "tls_client_auth").setting("client-id", CLIENT_ID)
                     .setting("key-store", pki.clientKeyStore()).setting("key-store-password", TestPki.PASSWORD)
                     .setting("trust-store", pki.trustStore()).setting("trust-store-password", TestPki.PASSWORD)
                     .start()) {
            provesTheOwningContract(loopback.tokenUrl(), idp);
            assertTrue(idp.calls().get(0).certificateSubject().contains("CN=" + TestPki.CLIENT_CN), idp.calls().toString());
        }
    }

    @Test
    void aBusinessAppWhoseTokenBodyIsOnlyTheScopeGetsItsBearerToken() throws Exception {
        try (VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.clientSecretBasic(CLIENT_ID, SECRET);
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("shared-secret", CALLER_SECRET)
                     .setting("allowed-scopes", "orders.read a b")
                     .setting("client-auth", "client_secret_basic").setting("client-id", CLIENT_ID)
                     .setting("client-secret", SECRET).start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .filterParam("token-body", "scope=orders.read")
                     .filterParam("token-headers", CALLER_SECRET_HEADER + ": " + CALLER_SECRET).start()) {
            Http.Answer first = http.get(app.forwardUrl());
            Http.Answer second = http.get(app.forwardUrl());
            String message = first + " / " + second + " upstream " + idp.calls() + " backend " + backend.seen();
            assertAll(
                    () -> assertEquals(200, first.status(), message),
                    () -> assertEquals(200, second.status(), message),
                    () -> assertEquals(1, idp.calls().size(), message),
                    () -> assertEquals(idp.calls().get(0).accessToken(), backend.seen().get(1).token(), message));
        }
    }

    @Test
    void unusableCredentialsFailDeploymentWithOneMessageNamingTheSetting() throws Exception {
        Path garbage = Files.writeString(dir.resolve("not-a-key.pem"), "hello, I am no key\n");
        String wrongPassword = "wrong-pa55word-x1";
        record Case(String expectedSetting, Map<String, Object> settings) {
        }
        List<Case> cases = List.of(
                new Case("loopback.client-secret", Map.of("client-auth", "client_secret_basic", "client-id", CLIENT_ID,
                        "shared-secret", CALLER_SECRET)),
                new Case("loopback.client-secret-file", Map.of("client-auth", "client_secret_post", "client-id", CLIENT_ID,
                        "client-secret-file", dir.resolve("no-such-secret.txt"), "shared-secret", CALLER_SECRET)),
                new Case("loopback.client-key-file", Map.of("client-auth", "private_key_jwt", "client-id", CLIENT_ID,
                        "client-key-file", garbage, "shared-secret", CALLER_SECRET)),
                new Case("loopback.client-key-password", Map.of("client-auth", "private_key_jwt", "client-id", CLIENT_ID,
                        "client-key-file", pki.clientKeyStore(), "client-key-password", wrongPassword,
                        "shared-secret", CALLER_SECRET)),
                new Case("loopback.key-store-password", Map.of("client-auth", "tls_client_auth", "client-id", CLIENT_ID,
                        "key-store", pki.clientKeyStore(), "key-store-password", wrongPassword,
                        "shared-secret", CALLER_SECRET)),
                new Case("loopback.client-id", Map.of("client-auth", "client_secret_basic", "client-secret", SECRET,
                        "shared-secret", CALLER_SECRET)));
        for (Case c : cases) {
            LoopbackServer.Builder builder = LoopbackServer.builder().setting("upstream-url", "https://127.0.0.1:9/token");
            c.settings().forEach(builder::setting);
            LoopbackServer.DeploymentFailed failure = org.junit.jupiter.api.Assertions.assertThrows(
                    LoopbackServer.DeploymentFailed.class, () -> builder.start().close(), c.toString());
            String message = failure.getMessage();
            assertAll(
                    () -> assertTrue(message.contains("(1 problem)"), "one problem for " + c + ": " + message),
                    () -> assertTrue(message.contains(c.expectedSetting()), c.expectedSetting() + " named: " + message),
                    () -> assertTrue(!message.contains(wrongPassword) && !message.contains(SECRET),
                            "no secret echoed: " + message));
        }
    }

    /**
     * The contract every owning mode keeps; returns the token handed out for {@code scope=orders.read}.
     */
    private String provesTheOwningContract(URI tokenUrl, VerifyingTokenEndpoint idp) throws Exception {
        Herd.Outcome herd = Herd.run(100, Duration.ofSeconds(30), i -> tokenCall(tokenUrl, "scope=orders.read"));
        Set<Integer> statuses = herd.answers().stream().map(Http.Answer::status).collect(Collectors.toSet());
        Set<String> tokens = herd.answers().stream().map(this::accessToken).collect(Collectors.toSet());
        String herdMessage = "statuses " + statuses + " tokens " + tokens.size() + " upstream " + idp.calls()
                + " first answer " + herd.answers().get(0);
        assertAll(
                () -> assertEquals(Set.of(200), statuses, herdMessage),
                () -> assertEquals(1, tokens.size(), herdMessage),
                () -> assertEquals(1, idp.calls().size(), "100 concurrent callers, one upstream call: " + herdMessage),
                () -> assertEquals(List.of(), idp.refusals(), herdMessage),
                () -> assertEquals("orders.read", idp.calls().get(0).field("scope"), herdMessage));

        Http.Answer one = tokenCall(tokenUrl, "scope=orders.read");
        Http.Answer two = tokenCall(tokenUrl, "scope=orders.read");
        String token = accessToken(one);
        assertAll(
                () -> assertEquals(token, accessToken(two), one + " / " + two),
                () -> assertEquals("HIT", two.header("X-Loopback-Cache"), two.toString()),
                () -> assertEquals(tokens.iterator().next(), token, one.toString()));

        String basic = "Basic " + Base64.getEncoder().encodeToString("caller:own-secret".getBytes());
        List<Http.Answer> refused = List.of(
                http.post(tokenUrl, FORM, "scope=orders.read", "Authorization", basic, CALLER_SECRET_HEADER, CALLER_SECRET),
                http.post(tokenUrl, FORM, "scope=orders.read&client_id=caller&client_secret=own-secret",
                        CALLER_SECRET_HEADER, CALLER_SECRET),
                http.post(tokenUrl, FORM, "scope=orders.read&client_assertion_type="
                        + VerifyingTokenEndpoint.JWT_BEARER + "&client_assertion=eyJhbGciOiJub25lIn0.e30.",
                        CALLER_SECRET_HEADER, CALLER_SECRET),
                http.post(tokenUrl, "application/json", "{\"scope\":\"orders.read\",\"client_secret\":\"own-secret\"}",
                        CALLER_SECRET_HEADER, CALLER_SECRET));
        for (Http.Answer answer : refused) {
            assertAll(
                    () -> assertEquals(400, answer.status(), answer.toString()),
                    () -> assertTrue(answer.header("Content-Type").startsWith("application/problem+json"), answer.toString()),
                    () -> assertTrue(answer.body().contains("urn:authloopback:problem:credential-not-allowed"),
                            answer.toString()),
                    () -> assertTrue(!answer.body().contains("own-secret"), answer.toString()));
        }
        assertEquals(1, idp.calls().size(), "refused callers never reach the IdP: " + idp.calls());
        return token;
    }

    private Http.Answer tokenCall(URI tokenUrl, String body) {
        return http.post(tokenUrl, FORM, body, CALLER_SECRET_HEADER, CALLER_SECRET);
    }

    private String accessToken(Http.Answer answer) {
        try {
            String token = json.readTree(answer.body()).path("access_token").asText(null);
            assertNotNull(token, answer.toString());
            return token;
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + answer, e);
        }
    }

}
