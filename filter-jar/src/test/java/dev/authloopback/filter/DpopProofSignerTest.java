package dev.authloopback.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.filter.internal.DpopKey;
import dev.authloopback.filter.internal.DpopNonces;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The proofs the filter signs (RFC 9449 §4.2, §7.1), and what one costs per call. */
class DpopProofSignerTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private final DpopKey key = DpopKey.generate();
    private final DpopNonces nonces = new DpopNonces();
    private final DpopProofSigner signer = DpopProofSigner.of(key, nonces, Clock.fixed(NOW, ZoneOffset.UTC), "tok.en.value");

    @Test
    void aProofNamesTheCallTheTokenAndTheServersNonce() throws Exception {
        URI uri = URI.create("https://rs.example:8443/orders/1?x=y#frag");
        nonces.remember(URI.create("https://RS.example:8443/other"), "n-1");
        SignedJWT proof = SignedJWT.parse(signer.proof("PUT", uri));
        JWTClaimsSet claims = proof.getJWTClaimsSet();
        byte[] hash = MessageDigest.getInstance("SHA-256").digest("tok.en.value".getBytes(StandardCharsets.US_ASCII));
        assertEquals("dpop+jwt", proof.getHeader().getType().getType());
        assertEquals("ES256", proof.getHeader().getAlgorithm().getName());
        assertFalse(proof.getHeader().getJWK().isPrivate());
        assertEquals(key.thumbprint(), proof.getHeader().getJWK().computeThumbprint().toString());
        assertTrue(proof.verify(new ECDSAVerifier((ECKey) proof.getHeader().getJWK())));
        assertEquals("PUT", claims.getStringClaim("htm"));
        assertEquals("https://rs.example:8443/orders/1", claims.getStringClaim("htu"));
        assertEquals(NOW, claims.getIssueTime().toInstant());
        assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(hash), claims.getStringClaim("ath"));
        assertEquals("n-1", claims.getStringClaim("nonce"));
        assertEquals("DPoP tok.en.value", signer.authorization());
        assertNotEquals(claims.getJWTID(), SignedJWT.parse(signer.proof("PUT", uri)).getJWTClaimsSet().getJWTID());
        assertFalse(signer.toString().contains("tok.en"), "toString never shows the token");
    }

    @Test
    void aTokenEndpointProofHasNoAthAndNoNonceUntilOneIsSent() throws Exception {
        DpopProofSigner forTokens = DpopProofSigner.of(key, new DpopNonces(), Clock.systemUTC(), null);
        JWTClaimsSet claims = SignedJWT.parse(forTokens.proof("POST", URI.create("https://idp/token"))).getJWTClaimsSet();
        assertNull(claims.getClaim("ath"));
        assertNull(claims.getClaim("nonce"));
    }

    /**
     * The per-call cost of DPoP on this machine: what the filter signs and what the loopback (or a
     * resource server) verifies for each call, beside the Bearer header, which costs nothing of the sort.
     */
    @Test
    void perCallCostOfAProof() throws Exception {
        URI uri = URI.create("http://127.0.0.1:8082/loopback");
        for (int i = 0; i < 500; i++) {
            verify(signer.proof("POST", uri));
        }
        int n = 1_000;
        long t0 = System.nanoTime();
        String last = null;
        for (int i = 0; i < n; i++) {
            last = signer.proof("POST", uri);
        }
        long signNanos = (System.nanoTime() - t0) / n;
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            verify(last);
        }
        long verifyNanos = (System.nanoTime() - t1) / n;
        System.out.printf("[dpop] per call: sign %d µs, verify %d µs (ES256, %d calls, %s)%n",
                signNanos / 1000, verifyNanos / 1000, n, Runtime.version());
        assertTrue(signNanos < 20_000_000 && verifyNanos < 20_000_000, "a proof costs well under 20 ms");
    }

    private static void verify(String compact) throws Exception {
        SignedJWT jwt = SignedJWT.parse(compact);
        ECKey jwk = (ECKey) jwt.getHeader().getJWK();
        if (!jwt.verify(new ECDSAVerifier(jwk)) || jwk.computeThumbprint() == null) {
            throw new AssertionError("proof does not verify");
        }
    }
}
