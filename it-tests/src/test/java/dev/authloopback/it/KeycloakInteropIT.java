package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SpiffeTrustDomain;
import dev.authloopback.testsupport.TestPki;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.keycloak.KeycloakServer;
import dev.authloopback.testsupport.keycloak.LoopbackRealm;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: every owning mode against a REAL Keycloak 26.4.5 (test-support's KeycloakServer, one
 * for the whole class, realm {@code keycloak/loopback-realm.json}), each with the settings a user
 * writes first: no {@code client-key-id}, no algorithm, nothing Keycloak-specific. Per mode: MISS
 * then HIT, 50 concurrent cold callers make exactly one token call as KEYCLOAK counts it (its
 * stored {@code CLIENT_LOGIN} events, not our counters), and a caller sending credentials of its
 * own gets 400 without reaching Keycloak. Then workload identity: a SPIFFE JWT-SVID file rotated
 * every 2 s under load from several threads, with 0 failed requests.
 *
 * <p>The certificate-registered key works because the loopback sends no {@code kid} unless one is
 * configured (and {@code x5t#S256}/{@code x5t} from the key file's certificate): with the RFC 7638
 * thumbprint as {@code kid}, as before issue 21, Keycloak answers 400 {@code invalid_client}
 * "Unable to load public key", since it names a certificate's key base64url(SHA-256(SPKI)).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeycloakInteropIT {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CALLER_SECRET = "caller-s3cret-kc-21a9f0";
    private static final String CALLER_SECRET_HEADER = "X-Loopback-Secret";
    private static final String JWT_SPIFFE = "urn:ietf:params:oauth:client-assertion-type:jwt-spiffe";
    private static final int HERD = 50;

    private final Http http = new Http(Duration.ofSeconds(30));
    private final ObjectMapper json = new ObjectMapper();
    private Path dir;
    private TestPki pki;
    private ECKey jwksKey;
    private SpiffeTrustDomain spiffe;
    private KeycloakServer keycloak;

    @BeforeAll
    void startKeycloak(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        pki = TestPki.create(dir);
        jwksKey = new ECKeyGenerator(Curve.P_256).keyID("loopback-jwks-key-1").keyUse(KeyUse.SIGNATURE).generate();
        spiffe = SpiffeTrustDomain.start(LoopbackRealm.SPIFFE_ID);
        LoopbackRealm realm = LoopbackRealm.create()
                .withJwtCertificate(clientCertificate())
                .withJwks(new JWKSet(jwksKey.toPublicJWK()).toString())
                .withMtlsSubjectDn("CN=" + TestPki.CLIENT_CN)
                .withSpiffeBundleEndpoint(spiffe.bundleEndpoint());
        keycloak = KeycloakServer.fromDist(realm).withHttps(pki).start();
    }

    @AfterAll
    void stopKeycloak() {
        if (keycloak != null) {
            keycloak.close();
        }
        if (spiffe != null) {
            spiffe.close();
        }
    }

    @Test
    void clientSecretBasic() throws Exception {
        try (LoopbackServer loopback = owning("client_secret_basic", LoopbackRealm.BASIC_CLIENT)
                .setting("client-secret", LoopbackRealm.BASIC_SECRET).start()) {
            provesTheOwningContract(loopback, LoopbackRealm.BASIC_CLIENT);
        }
    }

    @Test
    void clientSecretPostFromAFile() throws Exception {
        Path secret = Files.writeString(dir.resolve("post-secret"), LoopbackRealm.POST_SECRET + "\n");
        try (LoopbackServer loopback = owning("client_secret_post", LoopbackRealm.POST_CLIENT)
                .setting("client-secret-file", secret).start()) {
            provesTheOwningContract(loopback, LoopbackRealm.POST_CLIENT);
        }
    }

    /** The common registration: the certificate uploaded in the admin console; the key file a PKCS#12 store. */
    @Test
    void privateKeyJwtWithAPkcs12KeyWhoseCertificateIsRegistered() throws Exception {
        try (LoopbackServer loopback = owning("private_key_jwt", LoopbackRealm.JWT_CERT_CLIENT)
                .setting("client-key-file", pki.clientKeyStore()).setting("client-key-password", TestPki.PASSWORD)
                .start()) {
            provesTheOwningContract(loopback, LoopbackRealm.JWT_CERT_CLIENT);
        }
    }

    /** The same registered certificate, the key file PEM: PRIVATE KEY followed by its CERTIFICATE. */
    @Test
    void privateKeyJwtWithAPemKeyAndCertificateWhoseCertificateIsRegistered() throws Exception {
        Path pem = Files.writeString(dir.resolve("client-key-and-cert.pem"), clientKeyAndCertificatePem());
        try (LoopbackServer loopback = owning("private_key_jwt", LoopbackRealm.JWT_CERT_CLIENT)
                .setting("client-key-file", pem).start()) {
            provesTheOwningContract(loopback, LoopbackRealm.JWT_CERT_CLIENT);
        }
    }

    /** Keys registered as a JWKS (with "use":"sig", which Keycloak requires); the key file the private JWK, its kid sent. */
    @Test
    void privateKeyJwtWithAJwkKeyFileWhosePublicKeyIsRegisteredAsAJwks() throws Exception {
        Path jwk = Files.writeString(dir.resolve("client-key.jwk.json"), jwksKey.toJSONString());
        try (LoopbackServer loopback = owning("private_key_jwt", LoopbackRealm.JWT_JWKS_CLIENT)
                .setting("client-key-file", jwk).start()) {
            provesTheOwningContract(loopback, LoopbackRealm.JWT_JWKS_CLIENT);
        }
    }

    @Test
    void clientSecretJwt() throws Exception {
        try (LoopbackServer loopback = owning("client_secret_jwt", LoopbackRealm.SECRET_JWT_CLIENT)
                .setting("client-secret", LoopbackRealm.SECRET_JWT_SECRET).start()) {
            provesTheOwningContract(loopback, LoopbackRealm.SECRET_JWT_CLIENT);
        }
    }

    /** Keycloak on https asks for a client certificate; the client's subject DN is registered. */
    @Test
    void tlsClientAuth() throws Exception {
        try (LoopbackServer loopback = LoopbackServer.builder().upstream(keycloak.httpsTokenUrl())
                .setting("shared-secret", CALLER_SECRET).setting("scope", "orders.read")
                .setting("allowed-scopes", LoopbackRealm.SCOPES)
                .setting("client-auth", "tls_client_auth").setting("client-id", LoopbackRealm.MTLS_CLIENT)
                .setting("key-store", pki.clientKeyStore()).setting("key-store-password", TestPki.PASSWORD)
                .setting("trust-store", pki.trustStore()).setting("trust-store-password", TestPki.PASSWORD)
                .start()) {
            provesTheOwningContract(loopback, LoopbackRealm.MTLS_CLIENT);
        }
    }

    /**
     * Workload identity with Keycloak's federated client authentication: the JWT-SVID the platform
     * writes is the client assertion, type jwt-spiffe. {@code client-id} is the SPIFFE ID: Keycloak
     * finds the client by the SVID's subject, and refuses a {@code client_id} parameter that differs
     * from it (400 "client_id parameter does not match sub claim").
     */
    @Test
    void spiffeSvidFromAFile() throws Exception {
        Path svid = dir.resolve("svid-once.jwt");
        spiffe.writeSvid(svid, keycloak.issuer(), Duration.ofMinutes(5));
        try (LoopbackServer loopback = svidProfile(svid).start()) {
            provesTheOwningContract(loopback, LoopbackRealm.SPIFFE_CLIENT);
        }
    }

    /**
     * The SVID file is replaced every 2 s (real file writes, renamed into place) while 6 threads ask
     * for 8 scope sets for ~10 s. {@code ttl=2s} makes every key go stale every 2 s, so misses keep
     * happening and each new file is read and presented. Keycloak must see only successful calls,
     * presenting several different SVIDs, and no caller may fail.
     */
    @Test
    void spiffeSvidFileRotatedEveryTwoSecondsUnderLoadFailsNoRequest() throws Exception {
        Path svid = dir.resolve("svid-rotating.jwt");
        spiffe.writeSvid(svid, keycloak.issuer(), Duration.ofSeconds(60));
        List<String> scopeSets = List.of("", "orders.read", "orders.write", "orders.audit", "orders.read orders.write",
                "orders.read orders.audit", "orders.write orders.audit", "orders.read orders.write orders.audit");
        int before = keycloak.tokenCalls(LoopbackRealm.SPIFFE_CLIENT);
        Set<String> presented = ConcurrentHashMap.newKeySet();
        try (LoopbackServer loopback = svidProfile(svid).setting("ttl", "2s").start()) {
            ScheduledExecutorService rotation = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger rotations = new AtomicInteger();
            rotation.scheduleAtFixedRate(() -> {
                spiffe.writeSvid(svid, keycloak.issuer(), Duration.ofSeconds(60));
                rotations.incrementAndGet();
            }, 2, 2, TimeUnit.SECONDS);
            AtomicBoolean running = new AtomicBoolean(true);
            List<String> failures = new CopyOnWriteArrayList<>();
            AtomicInteger requests = new AtomicInteger();
            AtomicInteger repeats = new AtomicInteger();
            int threads = 6;
            CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                int offset = t;
                Thread caller = new Thread(() -> {
                    try {
                        for (int i = offset; running.get(); i++) {
                            String scopes = scopeSets.get(i % scopeSets.size());
                            requests.incrementAndGet();
                            String body = scopes.isEmpty() ? "" : "scope=" + scopes.replace(' ', '+');
                            try {
                                Http.Answer answer;
                                try {
                                    answer = tokenCall(loopback, body);
                                } catch (RuntimeException e) {
                                    if (!droppedKeepAlive(e)) {
                                        throw e;
                                    }
                                    // What the filter's client does (TokenEndpointConnection): one repeat
                                    // when a pooled keep-alive connection was closed under the request.
                                    repeats.incrementAndGet();
                                    answer = tokenCall(loopback, body);
                                }
                                if (answer.status() != 200 || !answer.body().contains("\"access_token\"")) {
                                    failures.add(answer.toString());
                                }
                            } catch (RuntimeException e) {
                                failures.add(Instant.now() + " " + e + (e.getCause() == null ? "" : " caused by " + e.getCause()));
                            }
                        }
                    } finally {
                        done.countDown();
                    }
                }, "svid-load-" + t);
                caller.setDaemon(true);
                caller.start();
            }
            // The load's duration is wall-clock by design: rotation is driven by real writes, not a clock.
            boolean finishedEarly = done.await(10, TimeUnit.SECONDS);
            running.set(false);
            boolean stopped = done.await(60, TimeUnit.SECONDS);
            rotation.shutdownNow();
            assertTrue(rotation.awaitTermination(10, TimeUnit.SECONDS), "rotation stopped");
            List<KeycloakServer.Event> events = keycloak.events(LoopbackRealm.SPIFFE_CLIENT);
            List<KeycloakServer.Event> during = events.subList(0, events.size() - before);
            during.forEach(event -> presented.add(event.details().get("client_assertion_id")));
            List<KeycloakServer.Event> errors = during.stream().filter(e -> e.error() != null).toList();
            String message = requests + " requests, " + failures.size() + " failed " + first(failures, 3) + ", "
                    + repeats + " repeated once after a dropped keep-alive connection; "
                    + rotations + " rotations; Keycloak saw " + during.size() + " token calls presenting "
                    + presented.size() + " SVIDs, errors " + errors;
            System.out.println("[KeycloakInteropIT] SVID file rotated under load: " + message);
            assertAll(
                    () -> assertTrue(!finishedEarly && stopped, "callers ran ~10 s and stopped: " + message),
                    () -> assertEquals(List.of(), failures, message),
                    () -> assertEquals(List.of(), errors, message),
                    () -> assertTrue(rotations.get() >= 4, message),
                    () -> assertTrue(during.size() >= 8, "misses kept happening: " + message),
                    () -> assertTrue(presented.size() >= 3, "new files were read and presented: " + message));
        }
    }

    /**
     * The contract every owning mode keeps against Keycloak: MISS then HIT for one scope; 50 cold
     * concurrent callers for another, one token call in Keycloak's events; callers' own credentials
     * refused before Keycloak is asked.
     */
    private void provesTheOwningContract(LoopbackServer loopback, String clientId) throws Exception {
        int before = keycloak.tokenCalls(clientId);
        Http.Answer miss = tokenCall(loopback, "scope=orders.write");
        Http.Answer hit = tokenCall(loopback, "scope=orders.write");
        String pair = clientId + ": " + miss + " / " + hit + " Keycloak events " + keycloak.events(clientId);
        assertAll(
                () -> assertEquals(200, miss.status(), pair),
                () -> assertEquals("MISS", miss.header("X-Loopback-Cache"), pair),
                () -> assertEquals("orders.write", tokenAnswer(miss).path("scope").asText(), "Keycloak granted the scope: " + pair),
                () -> assertEquals("Bearer", tokenAnswer(miss).path("token_type").asText(), pair),
                () -> assertEquals("HIT", hit.header("X-Loopback-Cache"), pair),
                () -> assertEquals(accessToken(miss), accessToken(hit), pair),
                () -> assertEquals(before + 1, keycloak.tokenCalls(clientId), "one token call for MISS then HIT: " + pair));

        int beforeHerd = keycloak.tokenCalls(clientId);
        Herd.Outcome herd = Herd.run(HERD, Duration.ofSeconds(60), i -> tokenCall(loopback, "scope=orders.read"));
        Map<Integer, Long> statuses = herd.answers().stream()
                .collect(Collectors.groupingBy(Http.Answer::status, Collectors.counting()));
        Set<String> tokens = herd.answers().stream().filter(a -> a.status() == 200).map(this::accessToken)
                .collect(Collectors.toSet());
        Map<String, Long> cache = herd.answers().stream()
                .collect(Collectors.groupingBy(a -> String.valueOf(a.header("X-Loopback-Cache")), Collectors.counting()));
        List<KeycloakServer.Event> events = keycloak.events(clientId);
        String herdMessage = clientId + ": statuses " + statuses + ", cache " + cache + ", " + tokens.size()
                + " distinct tokens in " + herd.wallTime().toMillis() + " ms; first answer " + herd.answers().get(0)
                + "; Keycloak events " + events.subList(0, events.size() - beforeHerd);
        assertAll(
                () -> assertEquals(Map.of(200, (long) HERD), statuses, herdMessage),
                () -> assertEquals(1, tokens.size(), herdMessage),
                () -> assertEquals(1L, cache.get("MISS"), herdMessage),
                () -> assertEquals(beforeHerd + 1, events.size(), HERD + " cold callers, one Keycloak token call: " + herdMessage),
                () -> assertEquals(null, events.get(0).error(), herdMessage));

        int beforeRefusals = keycloak.tokenCalls(clientId);
        String basic = "Basic " + Base64.getEncoder().encodeToString("caller:own-secret".getBytes(StandardCharsets.UTF_8));
        List<Http.Answer> refused = List.of(
                http.post(loopback.tokenUrl(), FORM, "scope=orders.read", "Authorization", basic,
                        CALLER_SECRET_HEADER, CALLER_SECRET),
                tokenCall(loopback, "scope=orders.read&client_id=caller&client_secret=own-secret"),
                tokenCall(loopback, "scope=orders.read&client_assertion_type=" + JWT_SPIFFE
                        + "&client_assertion=eyJhbGciOiJub25lIn0.e30."));
        for (Http.Answer answer : refused) {
            assertAll(
                    () -> assertEquals(400, answer.status(), clientId + ": " + answer),
                    () -> assertTrue(answer.body().contains("urn:authloopback:problem:credential-not-allowed"),
                            clientId + ": " + answer),
                    () -> assertTrue(!answer.body().contains("own-secret"), clientId + ": " + answer));
        }
        assertEquals(beforeRefusals, keycloak.tokenCalls(clientId), clientId + ": refused callers never reach Keycloak");
    }

    /** An owning profile as a user writes it first: the mode, the client, the caller secret and the scopes. */
    private LoopbackServer.Builder owning(String clientAuth, String clientId) {
        return LoopbackServer.builder().upstream(keycloak.tokenUrl())
                .setting("shared-secret", CALLER_SECRET).setting("scope", "orders.read")
                .setting("allowed-scopes", LoopbackRealm.SCOPES)
                .setting("client-auth", clientAuth).setting("client-id", clientId);
    }

    private LoopbackServer.Builder svidProfile(Path svid) {
        return owning("private_key_jwt", LoopbackRealm.SPIFFE_ID)
                .setting("client-assertion-file", svid).setting("client-assertion-type", JWT_SPIFFE);
    }

    /** The JDK client's words for a pooled connection the server closed before answering on it. */
    private static boolean droppedKeepAlive(RuntimeException e) {
        return e.getCause() instanceof IOException io && io.getMessage() != null
                && io.getMessage().contains("header parser received no bytes");
    }

    private Http.Answer tokenCall(LoopbackServer loopback, String body) {
        return http.post(loopback.tokenUrl(), FORM, body, CALLER_SECRET_HEADER, CALLER_SECRET);
    }

    private JsonNode tokenAnswer(Http.Answer answer) {
        try {
            return json.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + answer, e);
        }
    }

    private String accessToken(Http.Answer answer) {
        String token = tokenAnswer(answer).path("access_token").asText(null);
        assertNotNull(token, answer.toString());
        return token;
    }

    private X509Certificate clientCertificate() throws Exception {
        KeyStore store = KeyStore.getInstance(pki.clientKeyStore().toFile(), TestPki.PASSWORD.toCharArray());
        return (X509Certificate) store.getCertificate("client");
    }

    private String clientKeyAndCertificatePem() throws Exception {
        KeyStore store = KeyStore.getInstance(pki.clientKeyStore().toFile(), TestPki.PASSWORD.toCharArray());
        Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        return "-----BEGIN PRIVATE KEY-----\n" + pem.encodeToString(store.getKey("client", TestPki.PASSWORD.toCharArray())
                .getEncoded()) + "\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n"
                + pem.encodeToString(store.getCertificate("client").getEncoded()) + "\n-----END CERTIFICATE-----\n";
    }

    private static List<String> first(List<String> list, int count) {
        return new ArrayList<>(list.subList(0, Math.min(count, list.size())));
    }
}
