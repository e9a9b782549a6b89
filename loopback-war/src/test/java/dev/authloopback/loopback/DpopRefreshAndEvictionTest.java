package dev.authloopback.loopback;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.CountingUpstream.Answer;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DPoP (issue 25, docs/dpop.md) where the cache works on its own: refresh ahead goes upstream with the
 * proof of the HIT that triggered it, never without one; a 401-driven eviction names its key's entry by
 * its proof and drops only that entry. Time is the injected clock's; the proofs' {@code iat} too.
 */
class DpopRefreshAndEvictionTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials";

    private CountingUpstream upstream;
    private MutableClock clock;
    private LoopbackTestServer loopback;
    private final ECKey alice = key();
    private final ECKey bob = key();

    @BeforeEach
    void start() throws Exception {
        upstream = new CountingUpstream();
        clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    }

    @AfterEach
    void stop() throws Exception {
        if (loopback != null) {
            loopback.close();
        }
        upstream.close();
    }

    private void startLoopback(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("upstream-url", upstream.url(), "dpop", "true"));
        settings.putAll(extra);
        loopback = new LoopbackTestServer(settings, clock);
    }

    /** RFC 9449 §5: an opaque DPoP-bound token, so the loopback stores it on token_type alone. */
    private static Answer dpopToken(String token) {
        return new Answer(200, "application/json",
                "{\"access_token\":\"" + token + "\",\"token_type\":\"DPoP\",\"expires_in\":1000}", Map.of());
    }

    @Test
    void refreshAheadGoesUpstreamWithTheProofOfTheHitThatTriggeredIt() throws Exception {
        CountDownLatch refreshed = new CountDownLatch(1);
        upstream.script(n -> {
            if (n == 2) {
                refreshed.countDown();
            }
            return dpopToken("token-" + n);
        });
        startLoopback(Map.of("refresh-ahead", "0.1"));
        HttpResponse<String> first = token(proof(alice));
        assertEquals("MISS", cache(first), first.body());
        // fresh for 1000 s - 60 s skew = 940 s; the refresh window is the last 47..94 s of it.
        clock.advance(Duration.ofSeconds(930));

        String triggering = proof(alice);
        HttpResponse<String> inWindow = token(triggering);
        assertEquals("HIT", cache(inWindow));
        assertEquals(first.body(), inWindow.body(), "the old token is served at once");
        assertTrue(refreshed.await(10, TimeUnit.SECONDS), "the background refresh reached the upstream");

        assertEquals(triggering, upstream.received().get(1).dpop(),
                "the refresh carries the triggering HIT's proof (never seen upstream, seconds old)");
        HttpResponse<String> renewed = awaitToken("token-2", alice);
        assertEquals("HIT", cache(renewed), "the refreshed answer is stored under alice's key");
        assertEquals(2, upstream.calls(), "exactly one refresh");
    }

    @Test
    void withoutAProofAHitInTheWindowIsRefusedAndNothingIsRefreshed() throws Exception {
        CountDownLatch refreshed = new CountDownLatch(1);
        upstream.script(n -> {
            if (n == 2) {
                refreshed.countDown();
            }
            return dpopToken("token-" + n);
        });
        startLoopback(Map.of("refresh-ahead", "0.1"));
        HttpResponse<String> first = token(proof(alice));
        clock.advance(Duration.ofSeconds(930));

        HttpResponse<String> bare = token(null);
        assertEquals(400, bare.statusCode(), bare.body());
        assertTrue(bare.body().contains("invalid-dpop-proof"), bare.body());
        assertEquals(1, upstream.calls(), "no proof, no refresh ahead: the upstream only saw the first MISS");
        // A refused call never reaches the cache: the entry still holds the first token for alice's next proof.
        String aliceProof = proof(alice);
        HttpResponse<String> stillFirst = token(aliceProof);
        assertEquals(first.body(), stillFirst.body());
        assertEquals("HIT", cache(stillFirst));
        // ... and that HIT, which has a proof, is the one that refreshes (waited for: nothing left running).
        assertTrue(refreshed.await(10, TimeUnit.SECONDS), "the refresh of the HIT with a proof");
        assertEquals(aliceProof, upstream.received().get(1).dpop(), "the refresh went upstream with that HIT's proof");
    }

    @Test
    void anEvictionAfterA401CarriesAProofAndDropsOnlyThatKeysEntry() throws Exception {
        upstream.script(n -> dpopToken("token-" + n));
        startLoopback(Map.of());
        HttpResponse<String> aliceFirst = token(proof(alice));
        HttpResponse<String> bobFirst = token(proof(bob));
        assertEquals(2, upstream.calls(), "two keys, two tokens");
        String etag = aliceFirst.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> noProof = evict(etag, null);
        assertEquals(400, noProof.statusCode(), "an eviction names its entry by the proof: " + noProof.body());
        HttpResponse<String> bobsProofAlicesEtag = evict(etag, proof(bob));
        assertNotEquals(204, bobsProofAlicesEtag.statusCode(),
                "bob's proof names bob's entry, which does not hold alice's token: " + bobsProofAlicesEtag.body());
        assertEquals("HIT", cache(token(proof(alice))), "alice's entry survived both");

        HttpResponse<String> evicted = evict(etag, proof(alice));
        assertEquals(204, evicted.statusCode(), evicted.body());

        HttpResponse<String> bobAgain = token(proof(bob));
        assertEquals("HIT", cache(bobAgain), "bob's entry is untouched");
        assertEquals(bobFirst.body(), bobAgain.body());
        String aliceProof = proof(alice);
        HttpResponse<String> aliceAgain = token(aliceProof);
        assertEquals("MISS", cache(aliceAgain), "alice's entry went");
        assertTrue(aliceAgain.body().contains("token-3"), aliceAgain.body());
        assertEquals(3, upstream.calls());
        assertEquals(aliceProof, upstream.received().get(2).dpop(), "the new token is asked for with alice's fresh proof");
        String authorization = upstream.received().get(2).authorization();
        assertTrue(authorization == null || !authorization.startsWith("DPoP"), "the token endpoint gets the proof, not a DPoP token");
    }

    private HttpResponse<String> token(String proof) throws Exception {
        return proof == null ? loopback.post("", FORM, BODY) : loopback.post("", FORM, BODY, "DPoP", proof);
    }

    private HttpResponse<String> evict(String etag, String proof) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(loopback.uri("")).timeout(Duration.ofSeconds(20))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(BODY))
                .header("Content-Type", FORM).header("If-Match", etag);
        if (proof != null) {
            request.header("DPoP", proof);
        }
        return loopback.send(request.build());
    }

    /** Bounded: the refresh is stored by the background thread shortly after the upstream answered. */
    private HttpResponse<String> awaitToken(String token, ECKey key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            HttpResponse<String> r = token(proof(key));
            if (r.body().contains(token) || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(5);
        }
    }

    private static String cache(HttpResponse<String> r) {
        return r.headers().firstValue("X-Loopback-Cache").orElse("none");
    }

    /** A proof for the loopback's token call, as the filter signs it: htu = the upstream, iat = the clock's now. */
    private String proof(ECKey key) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString()).claim("htm", "POST")
                .claim("htu", upstream.url()).issueTime(Date.from(clock.instant())).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType("dpop+jwt"))
                .jwk(key.toPublicJWK()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static ECKey key() {
        try {
            return new ECKeyGenerator(Curve.P_256).generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
