package dev.authloopback.loopback;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.LoopbackTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Heap per exchange entry (issue 22), run by hand: {@code mvn -pl loopback-war test
 * -Dtest=OnBehalfOfHeapMeasurement -Dobo.heap=100000}. N distinct users' subject tokens (ES256 JWTs
 * of Keycloak's size) are exchanged over HTTP, each a MISS storing a Keycloak-sized exchanged token
 * answer; the live heap after a full GC, minus the heap after a warm fill, divided by the entries.
 * The entry, its key, the subject index and the JWKS/negative-cache state are all in the figure.
 */
@EnabledIfSystemProperty(named = "obo.heap", matches = "\\d+")
class OnBehalfOfHeapMeasurement {
    private static final String ISSUER = "https://idp.test/realms/demo";
    private static final String AUDIENCE = "orders-app";
    private static final String SECRET = "caller-secret-0123456789";
    /** A Keycloak 26 exchanged access token is about 1,000 characters; its answer about 1,600 bytes. */
    private static final String ANSWER_PAD = "x".repeat(1000);

    @Test
    void heapPerEntry() throws Exception {
        int total = Integer.getInteger("obo.heap");
        // One INFO line per MISS would be most of the fill's cost; the figure is about the heap.
        java.util.logging.Logger requests = java.util.logging.Logger.getLogger("dev.authloopback.loopback.requests");
        requests.setLevel(java.util.logging.Level.WARNING);
        int warm = Math.min(2000, total / 10);
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").keyUse(KeyUse.SIGNATURE).generate();
        HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] set = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/certs", exchange -> {
            exchange.sendResponseHeaders(200, set.length);
            exchange.getResponseBody().write(set);
            exchange.close();
        });
        jwks.start();
        try (CountingUpstream upstream = new CountingUpstream()) {
            upstream.script(n -> new CountingUpstream.Answer(200, "application/json",
                    "{\"access_token\":\"" + ANSWER_PAD + n + "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
                            + "\"refresh_expires_in\":0,\"not-before-policy\":0,\"scope\":\"profile email\","
                            + "\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\"}", Map.of()));
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
            settings.put("exchange-rate-limit", "1000");
            settings.put("max-entries", String.valueOf(total * 2));
            settings.put("max-cache-bytes", "2GiB");
            settings.put("max-subject-lifetime", "1h");
            try (LoopbackTestServer loopback = new LoopbackTestServer(settings, Clock.systemUTC())) {
                ECDSASigner signer = new ECDSASigner(key);
                ExecutorService pool = Executors.newFixedThreadPool(32);
                AtomicInteger failures = new AtomicInteger();
                fill(loopback, signer, pool, 0, warm, failures);
                long baseline = liveHeap();
                long started = System.nanoTime();
                fill(loopback, signer, pool, warm, total, failures);
                long after = liveHeap();
                pool.shutdown();
                assertEquals(0, failures.get(), "every fill request answered 200 MISS");
                System.out.printf("OBO-HEAP subjects=%d warm=%d baseline=%d after=%d bytesPerEntry=%d fillSeconds=%.1f"
                                + " upstreamCalls=%d%n", total, warm, baseline, after, (after - baseline) / (total - warm),
                        (System.nanoTime() - started) / 1e9, upstream.calls());
            }
        } finally {
            jwks.stop(0);
        }
    }

    private static void fill(LoopbackTestServer loopback, ECDSASigner signer, ExecutorService pool, int from, int to,
                             AtomicInteger failures) throws Exception {
        List<Future<?>> futures = new java.util.ArrayList<>();
        int threads = 32;
        for (int t = 0; t < threads; t++) {
            int first = from + t;
            futures.add(pool.submit(() -> {
                for (int i = first; i < to; i += threads) {
                    try {
                        String token = userToken(signer, i);
                        var answer = loopback.post("", "application/x-www-form-urlencoded", "subject_token=" + token,
                                "X-Loopback-Secret", SECRET);
                        if (answer.statusCode() != 200 || !"MISS".equals(
                                answer.headers().firstValue("X-Loopback-Cache").orElse(""))) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    /** About Keycloak's size: a user's access token carries some 20 claims, ~900 characters. */
    private static String userToken(ECDSASigner signer, int i) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(List.of(AUDIENCE, "account"))
                .subject(java.util.UUID.nameUUIDFromBytes(("user" + i).getBytes()).toString())
                .claim("sid", java.util.UUID.randomUUID().toString()).claim("azp", "orders-web")
                .claim("typ", "Bearer").claim("scope", "openid profile email").claim("email_verified", true)
                .claim("preferred_username", "user" + i).claim("email", "user" + i + "@example.test")
                .claim("realm_access", Map.of("roles", List.of("offline_access", "uma_authorization", "default-roles")))
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
                .jwtID(java.util.UUID.randomUUID().toString()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static long liveHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200); // a measurement run by hand, not a test: lets the collector finish
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
