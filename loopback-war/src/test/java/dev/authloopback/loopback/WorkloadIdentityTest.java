package dev.authloopback.loopback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.MutableClock;
import dev.authloopback.testsupport.oauth2.VerifyingTokenEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 21, workload identity end to end: a platform-issued JWT in {@code client-assertion-file} is
 * sent as it is to an endpoint that trusts the platform; once it has expired (by the injected clock)
 * and the platform has written no fresh one, a miss gets a 503 problem naming the file (never the
 * assertion), nothing is stored, a cached token is still served, health says DEGRADED; the platform's
 * next write ends it.
 */
class WorkloadIdentityTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String SPIFFE = "urn:ietf:params:oauth:client-assertion-type:jwt-spiffe";
    private static final String SUBJECT = "spiffe://example.org/ns/orders/sa/orders";

    private final MutableClock clock = MutableClock.startingNow();
    private final ObjectMapper json = new ObjectMapper();
    private final KeyPair platform = platformKey();
    private final VerifyingTokenEndpoint idp = VerifyingTokenEndpoint.platformAssertion("orders", platform.getPublic(),
            SPIFFE);
    private LoopbackTestServer loopback;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        if (loopback != null) {
            loopback.close();
        }
        idp.close();
    }

    private static KeyPair platformKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** As the SPIFFE helper writes a JWT-SVID: a finished file renamed into place. */
    private String writeSvid(Path file, Instant expiresAt) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("bundle-key-1").build(),
                new JWTClaimsSet.Builder().subject(SUBJECT).audience(idp.tokenUrl().toString())
                        .expirationTime(Date.from(expiresAt)).build());
        jwt.sign(new ECDSASigner((ECPrivateKey) platform.getPrivate()));
        Path next = Files.writeString(dir.resolve("svid.next"), jwt.serialize() + "\n");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return jwt.serialize();
    }

    private HttpResponse<String> token(String scope) throws Exception {
        return loopback.post("", FORM, "scope=" + scope);
    }

    private JsonNode health() throws Exception {
        return json.readTree(loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/health")).build()).body());
    }

    @Test
    void anExpiredPlatformAssertionIsNeverSentAndTheNextOneIsUsedAsSoonAsItIsWritten() throws Exception {
        Path file = dir.resolve("svid.jwt");
        String first = writeSvid(file, clock.instant().plusSeconds(300));
        loopback = new LoopbackTestServer(Map.of("upstream-url", idp.tokenUrl().toString(), "client-auth",
                "private_key_jwt", "client-id", "orders", "client-assertion-file", file.toString(),
                "client-assertion-type", SPIFFE, "caller-auth", "none", "allowed-scopes", "a b"), clock);

        LogCapture logs = LogCapture.start(Level.ALL, "dev.authloopback");
        HttpResponse<String> fresh = token("a");
        clock.advance(Duration.ofSeconds(300));
        HttpResponse<String> cached = token("a");
        HttpResponse<String> expired = token("b");
        HttpResponse<String> again = token("b");
        JsonNode degraded = health();
        String second = writeSvid(file, clock.instant().plusSeconds(3600));
        HttpResponse<String> renewed = token("b");
        JsonNode back = health();
        logs.close();
        List<VerifyingTokenEndpoint.Call> calls = idp.calls();
        String message = "fresh: " + fresh.statusCode() + " " + fresh.body() + "\ncached: " + cached.headers().map()
                + "\nexpired: " + expired.statusCode() + " " + expired.body() + "\nagain: " + again.statusCode()
                + "\nhealth: " + degraded + "\nrenewed: " + renewed.statusCode() + " " + renewed.body() + "\nback: "
                + back + "\nidp: " + calls;

        assertEquals(200, fresh.statusCode(), message);
        assertEquals(first, calls.get(0).field("client_assertion"), "sent as the platform wrote it\n" + message);
        assertEquals(SPIFFE, calls.get(0).field("client_assertion_type"), message);
        assertEquals("orders", calls.get(0).field("client_id"), message);
        assertEquals("HIT", cached.headers().firstValue("X-Loopback-Cache").orElse(null),
                "a cached token is still served\n" + message);
        assertEquals(503, expired.statusCode(), message);
        assertEquals("application/problem+json", expired.headers().firstValue("Content-Type").orElse(null), message);
        JsonNode problem = json.readTree(expired.body());
        assertEquals("urn:authloopback:problem:client-assertion-expired", problem.path("type").asText(), message);
        assertEquals("The assertion in client-assertion-file has expired", problem.path("title").asText(), message);
        assertTrue(problem.path("detail").asText().contains("client-assertion-file=" + file), message);
        assertFalse(expired.body().contains(first.substring(0, 30)), "never the assertion\n" + message);
        assertEquals(503, again.statusCode(), "nothing was stored\n" + message);
        assertEquals("DEGRADED", degraded.at("/profiles/default/checks/credentials/status").asText(), message);
        assertEquals("client_assertion_expired", degraded.at("/profiles/default/checks/credentials/reason").asText(),
                message);
        assertEquals("DEGRADED", degraded.path("status").asText(), "cached tokens are still served: not DOWN\n" + message);
        assertEquals("UP", degraded.at("/profiles/default/checks/upstream/status").asText(),
                "the token endpoint was never asked: its check has nothing to say\n" + message);
        assertEquals(200, renewed.statusCode(), message);
        assertEquals(second, calls.get(calls.size() - 1).field("client_assertion"), message);
        assertEquals(2, calls.size(), "the expired assertion never reached the IdP\n" + message);
        assertEquals(List.of(), idp.refusals(), message);
        assertEquals("ok", back.at("/profiles/default/checks/credentials/reason").asText(), message);
        assertNull(calls.get(0).jti(), "a JWT-SVID need not carry a jti\n" + message);
        assertTrue(logs.contains("SKIP(client_assertion_expired)"), logs.text());
        for (String svid : List.of(first, second)) {
            assertFalse(logs.text().contains(svid.substring(svid.indexOf('.') + 1, svid.indexOf('.') + 30)),
                    "no assertion in any log line\n" + logs.text());
        }
    }
}
