package dev.authloopback.loopback.dpop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Each rule of RFC 9449 §4.3 the loopback checks, one refusal reason per test, on an injected clock. */
class DpopProofVerifierTest {
    private static final URI UPSTREAM = URI.create("https://idp.example:8443/realms/r/protocol/openid-connect/token");
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final DpopSettings SETTINGS = new DpopSettings(true, List.of("ES256", "PS256"),
            Duration.ofSeconds(60), 3);

    private final ECKey key = ec();
    private final DpopProofVerifier verifier = new DpopProofVerifier(SETTINGS, UPSTREAM, CLOCK, new DpopReplayGuard(3));

    @Test
    void aWellFormedProofGivesTheKeyThumbprint() throws Exception {
        DpopProof proof = verifier.verify(List.of(proof(c -> c)), "POST");
        assertEquals(key.computeThumbprint().toString(), proof.jkt());
        assertFalse(proof.toString().contains(proof.proof()), "toString never shows the proof");
    }

    @Test
    void htuWithQueryFragmentDefaultPortOrOtherCaseStillMatches() {
        verifier.verify(List.of(proof(c -> c.claim("htu", "HTTPS://IDP.example:8443/realms/r/protocol/openid-connect/token?x=1#f"))), "POST");
    }

    @Test
    void missingProofIsRefused() {
        assertReason(DpopProofRefused.Reason.MISSING, List.of());
    }

    @Test
    void twoProofsAreRefused() {
        assertReason(DpopProofRefused.Reason.MULTIPLE, List.of(proof(c -> c), proof(c -> c)));
    }

    @Test
    void garbageIsRefused() {
        assertReason(DpopProofRefused.Reason.MALFORMED, List.of("not.a.jwt"));
        assertReason(DpopProofRefused.Reason.MALFORMED, List.of("x".repeat(DpopProofVerifier.MAX_PROOF_CHARS + 1)));
    }

    @Test
    void wrongTypIsRefused() throws Exception {
        assertReason(DpopProofRefused.Reason.TYP, List.of(sign(header(JWSAlgorithm.ES256, JOSEObjectType.JWT, key.toPublicJWK()),
                claims(c -> c), key)));
    }

    @Test
    void anAlgorithmNotAllowedIsRefused() throws Exception {
        byte[] secret = new byte[32];
        SignedJWT hs = new SignedJWT(header(JWSAlgorithm.HS256, new JOSEObjectType("dpop+jwt"), key.toPublicJWK()),
                claims(c -> c));
        hs.sign(new MACSigner(secret));
        assertReason(DpopProofRefused.Reason.ALG, List.of(hs.serialize()));
        RSAKey rsa = new RSAKeyGenerator(2048).generate();
        SignedJWT rs256 = new SignedJWT(header(JWSAlgorithm.RS256, new JOSEObjectType("dpop+jwt"), rsa.toPublicJWK()),
                claims(c -> c));
        rs256.sign(new RSASSASigner(rsa));
        assertReason(DpopProofRefused.Reason.ALG, List.of(rs256.serialize()));
    }

    /** Nimbus itself refuses to parse a header jwk with a private part; either way the proof goes. */
    @Test
    void aPrivateJwkInTheHeaderIsRefused() throws Exception {
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String head = b64.encodeToString(("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + key.toJSONString() + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String body = b64.encodeToString(claims(c -> c).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        com.nimbusds.jose.util.Base64URL signature = new ECDSASigner(key).sign(
                header(JWSAlgorithm.ES256, new JOSEObjectType("dpop+jwt"), key.toPublicJWK()),
                (head + "." + body).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String proof = head + "." + body + "." + signature;
        DpopProofRefused refused = assertThrows(DpopProofRefused.class, () -> verifier.verify(List.of(proof), "POST"));
        assertEquals(true, refused.reason() == DpopProofRefused.Reason.JWK
                || refused.reason() == DpopProofRefused.Reason.MALFORMED, refused.reason() + ": " + refused.getMessage());
    }

    @Test
    void aSignatureByAnotherKeyIsRefused() throws Exception {
        assertReason(DpopProofRefused.Reason.SIGNATURE, List.of(sign(header(JWSAlgorithm.ES256,
                new JOSEObjectType("dpop+jwt"), key.toPublicJWK()), claims(c -> c), ec())));
    }

    @Test
    void anotherMethodIsRefused() {
        assertReason(DpopProofRefused.Reason.HTM, List.of(proof(c -> c.claim("htm", "GET"))));
        assertReason(DpopProofRefused.Reason.HTM, List.of(proof(c -> c.claim("htm", null))));
    }

    @Test
    void anotherUrlIsRefused() {
        assertReason(DpopProofRefused.Reason.HTU, List.of(proof(c -> c.claim("htu", "https://idp.example:8443/other"))));
        assertReason(DpopProofRefused.Reason.HTU, List.of(proof(c -> c.claim("htu", "http://idp.example:8443/realms/r/protocol/openid-connect/token"))));
        assertReason(DpopProofRefused.Reason.HTU, List.of(proof(c -> c.claim("htu", 42))));
    }

    @Test
    void aStaleOrFutureOrMissingIatIsRefused() {
        assertReason(DpopProofRefused.Reason.IAT, List.of(proof(c -> c.issueTime(Date.from(NOW.minusSeconds(61))))));
        assertReason(DpopProofRefused.Reason.IAT, List.of(proof(c -> c.issueTime(Date.from(NOW.plusSeconds(6))))));
        assertReason(DpopProofRefused.Reason.IAT, List.of(proof(c -> c.issueTime(null))));
        verifier.verify(List.of(proof(c -> c.issueTime(Date.from(NOW.minusSeconds(60))))), "POST");
    }

    @Test
    void aMissingJtiIsRefused() {
        assertReason(DpopProofRefused.Reason.JTI, List.of(proof(c -> c.jwtID(null))));
    }

    @Test
    void aProofIsAcceptedOnce() {
        String proof = proof(c -> c);
        verifier.verify(List.of(proof), "POST");
        assertReason(DpopProofRefused.Reason.REPLAY, List.of(proof));
    }

    @Test
    void aFullReplayMemoryRefusesUntilEntriesAge() {
        Instant[] now = {NOW};
        Clock moving = new Clock() {
            @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now[0]; }
        };
        DpopProofVerifier small = new DpopProofVerifier(SETTINGS, UPSTREAM, moving, new DpopReplayGuard(3));
        for (int i = 0; i < 3; i++) {
            small.verify(List.of(proof(c -> c)), "POST");
        }
        DpopProofRefused full = assertThrows(DpopProofRefused.class, () -> small.verify(List.of(proof(c -> c)), "POST"));
        assertEquals(DpopProofRefused.Reason.REPLAY_MEMORY_FULL, full.reason());
        now[0] = NOW.plusSeconds(66); // the remembered proofs are too old to be accepted anyway: forgotten
        small.verify(List.of(proof(c -> c.issueTime(Date.from(now[0])))), "POST");
    }

    private void assertReason(DpopProofRefused.Reason reason, List<String> headers) {
        DpopProofRefused refused = assertThrows(DpopProofRefused.class, () -> verifier.verify(headers, "POST"));
        assertEquals(reason, refused.reason(), refused.getMessage());
        headers.forEach(h -> assertFalse(refused.getMessage().contains(h), "the message never holds the proof"));
    }

    private String proof(UnaryOperator<JWTClaimsSet.Builder> change) {
        try {
            return sign(header(JWSAlgorithm.ES256, new JOSEObjectType("dpop+jwt"), key.toPublicJWK()), claims(change), key);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JWTClaimsSet claims(UnaryOperator<JWTClaimsSet.Builder> change) {
        return change.apply(new JWTClaimsSet.Builder().jwtID(java.util.UUID.randomUUID().toString())
                .claim("htm", "POST").claim("htu", UPSTREAM.toString()).issueTime(Date.from(NOW))).build();
    }

    private static JWSHeader header(JWSAlgorithm alg, JOSEObjectType typ, JWK jwk) {
        return new JWSHeader.Builder(alg).type(typ).jwk(jwk).build();
    }

    private static String sign(JWSHeader header, JWTClaimsSet claims, ECKey signer) throws Exception {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(new ECDSASigner(signer));
        return jwt.serialize();
    }

    private static ECKey ec() {
        try {
            return new ECKeyGenerator(Curve.P_256).generate();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
