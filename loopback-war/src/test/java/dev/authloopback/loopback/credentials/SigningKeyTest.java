package dev.authloopback.loopback.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.X509CertUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

/**
 * Issue 21: the assertion header names the key only in ways the IdP can know. No {@code kid} unless
 * configured or carried by a JWK (Keycloak refuses an id it did not make); {@code x5t#S256} and
 * {@code x5t} whenever the key file holds the key's certificate (Entra ID's way); a certificate of
 * another key fails the load; JWK and JWK Set files read by content.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SigningKeyTest {
    private TestKeys rsa;
    private TestKeys ec;
    private TestKeys other;

    @BeforeAll
    void makeKeysWithKeytool(@TempDir Path dir) {
        rsa = TestKeys.make(dir, "rsa-client", "RSA");
        ec = TestKeys.make(dir, "ec-client", "EC");
        other = TestKeys.make(dir, "other-client", "RSA");
    }

    private static String x5tS256(TestKeys keys) {
        return X509CertUtils.computeSHA256Thumbprint(keys.certificate()).toString();
    }

    private static String x5t(TestKeys keys) throws Exception {
        return Base64URL.encode(MessageDigest.getInstance("SHA-1").digest(keys.certificate().getEncoded())).toString();
    }

    /** x5t (SHA-1) is read from the JSON: Nimbus deprecates its getter, not the header parameter. */
    private static Object x5tOf(JWSHeader header) {
        return header.toJSONObject().get("x5t");
    }

    @Test
    void aPemKeyWithoutCertificateSendsNeitherKidNorThumbprints() throws Exception {
        JWSHeader header = SigningKey.load(rsa.pem(), null, null, null).header();
        assertEquals(JWSAlgorithm.RS256, header.getAlgorithm());
        assertNull(header.getKeyID(), "an id the IdP did not make would make it refuse the assertion");
        assertNull(header.getX509CertSHA256Thumbprint());
        assertNull(x5tOf(header));
    }

    @Test
    void anEcPemKeyWithoutCertificateNoLongerNeedsAKeyId() throws Exception {
        SigningKey key = SigningKey.load(ec.pem(), null, null, null);
        assertEquals(JWSAlgorithm.ES256, key.header().getAlgorithm());
        assertNull(key.header().getKeyID());
        assertEquals("kid=<none>", key.publicIds(), "no public half to show a thumbprint of");
    }

    @Test
    void clientKeyIdIsSentAsKid() throws Exception {
        assertEquals("kc-key-1", SigningKey.load(rsa.pem(), null, "kc-key-1", null).header().getKeyID());
    }

    @Test
    void aPemWithTheCertificateSendsItsSha256AndSha1ThumbprintsAndNoKid() throws Exception {
        JWSHeader header = SigningKey.load(rsa.pemWithCertificate(), null, null, null).header();
        assertNull(header.getKeyID());
        assertEquals(x5tS256(rsa), header.getX509CertSHA256Thumbprint().toString());
        assertEquals(x5t(rsa), x5tOf(header));
    }

    @Test
    void aPkcs12KeyEntrySendsTheThumbprintsOfItsCertificate() throws Exception {
        SigningKey key = SigningKey.load(rsa.pkcs12(), TestKeys.PASSWORD, null, null);
        assertNull(key.header().getKeyID());
        assertEquals(x5tS256(rsa), key.header().getX509CertSHA256Thumbprint().toString());
        assertEquals(x5t(rsa), x5tOf(key.header()));
        String thumbprint = rsa.jwk(null, false).computeThumbprint().toString();
        assertEquals("kid=<none> x5t#S256=" + x5tS256(rsa) + " jwk-thumbprint=" + thumbprint, key.publicIds());
    }

    @Test
    void anEcKeyWithItsCertificateIsCheckedAndSendsThumbprints() throws Exception {
        JWSHeader header = SigningKey.load(ec.pemWithCertificate(), null, null, null).header();
        assertEquals(JWSAlgorithm.ES256, header.getAlgorithm());
        assertEquals(x5tS256(ec), header.getX509CertSHA256Thumbprint().toString());
    }

    @Test
    void aCertificateOfAnotherKeyFailsTheLoad() throws Exception {
        CredentialFileException e = assertThrows(CredentialFileException.class,
                () -> SigningKey.load(rsa.pemWithCertificateOf(other), null, null, null));
        assertTrue(e.getMessage().contains("its certificate's public key does not match its private key"),
                e.getMessage());
        CredentialFileException mixed = assertThrows(CredentialFileException.class,
                () -> SigningKey.load(ec.pemWithCertificateOf(rsa), null, null, null));
        assertTrue(mixed.getMessage().contains("does not match"), mixed.getMessage());
    }

    @Test
    void aJwkFileIsReadByItsContentAndItsKidIsSent() throws Exception {
        Path file = rsa.write("rsa.jwk", rsa.jwk("jwk-kid-7", false).toJSONString());
        SigningKey key = SigningKey.load(file, null, null, null);
        assertEquals("jwk-kid-7", key.header().getKeyID());
        assertNull(key.header().getX509CertSHA256Thumbprint());
        assertEquals("override", SigningKey.load(file, null, "override", null).header().getKeyID(),
                "client-key-id wins over the JWK's own kid");
    }

    @Test
    void aJwkWithoutKidSendsNone() throws Exception {
        Path file = ec.write("ec-nokid.jwk", "\n  " + ec.jwk(null, false).toJSONString());
        assertNull(SigningKey.load(file, null, null, null).header().getKeyID());
    }

    @Test
    void aJwkWithX5cSendsTheCertificateThumbprints() throws Exception {
        Path file = rsa.write("rsa-x5c.jwk", rsa.jwk("k1", true).toJSONString());
        JWSHeader header = SigningKey.load(file, null, null, null).header();
        assertEquals("k1", header.getKeyID());
        assertEquals(x5tS256(rsa), header.getX509CertSHA256Thumbprint().toString());
        assertEquals(x5t(rsa), x5tOf(header));
    }

    @Test
    void aJwkSetWithExactlyOnePrivateKeyIsUsedAndPublicKeysBesideItIgnored() throws Exception {
        Path file = rsa.write("set.jwks", new JWKSet(List.of(other.jwk("pub", false).toPublicJWK(),
                rsa.jwk("the-one", false))).toString(false));
        assertEquals("the-one", SigningKey.load(file, null, null, null).header().getKeyID());
        Path two = rsa.write("two.jwks", new JWKSet(List.of(rsa.jwk("a", false), ec.jwk("b", false))).toString(false));
        CredentialFileException e = assertThrows(CredentialFileException.class, () -> SigningKey.load(two, null, null, null));
        assertTrue(e.getMessage().contains("holds 2 private keys; it must hold exactly one"), e.getMessage());
    }

    @Test
    void theJwksAlgIsUsedAndAContradictingClientKeyAlgIsRefused() throws Exception {
        JWK ps = new com.nimbusds.jose.jwk.RSAKey.Builder(rsa.jwk(null, false).toRSAKey())
                .algorithm(JWSAlgorithm.PS256).build();
        Path file = rsa.write("ps.jwk", ps.toJSONString());
        assertEquals(JWSAlgorithm.PS256, SigningKey.load(file, null, null, null).header().getAlgorithm());
        CredentialFileException e = assertThrows(CredentialFileException.class,
                () -> SigningKey.load(file, null, null, "RS256"));
        assertTrue(e.getMessage().contains("the JWK's alg is PS256 but client-key-alg is RS256"), e.getMessage());
    }

    @Test
    void unusableJwksAreNamedWithoutQuotingKeyMaterial() throws Exception {
        JWK publicOnly = rsa.jwk(null, false).toPublicJWK();
        String d = rsa.jwk(null, false).toRSAKey().getPrivateExponent().toString();
        List<String> cases = List.of(
                publicOnly.toJSONString(),
                new OctetSequenceKey.Builder(new byte[32]).build().toJSONString(),
                rsa.jwk(null, false).toJSONString().replace("\"kty\":\"RSA\"", "\"kty\":\"XYZ\""),
                "{\"kty\":\"RSA\",\"d\":\"" + d + "\"",
                "{\"keys\":[]}");
        List<String> expected = List.of("public key only", "cannot sign client assertions", "is not a usable JWK",
                "is not a JSON object", "holds 0 private keys");
        for (int i = 0; i < cases.size(); i++) {
            Path file = rsa.write("bad-" + i + ".jwk", cases.get(i));
            CredentialFileException e = assertThrows(CredentialFileException.class,
                    () -> SigningKey.load(file, null, null, null), cases.get(i));
            assertTrue(e.getMessage().contains(expected.get(i)), e.getMessage());
            assertFalse(e.getMessage().contains(d), "no key material in: " + e.getMessage());
        }
    }

    @Test
    void anHmacSecretShorterThan32BytesIsRefusedWithoutSayingAnythingAboutIt() {
        String shortSecret = "only-31-bytes-long-secret-xxxxx";
        assertEquals(31, shortSecret.length());
        CredentialFileException e = assertThrows(CredentialFileException.class, () -> SigningKey.hmac(shortSecret));
        assertTrue(e.getMessage().contains("shorter than 32 bytes"), e.getMessage());
        assertFalse(e.getMessage().contains(shortSecret) || e.getMessage().contains("31"), e.getMessage());
        SigningKey key = SigningKey.hmac(shortSecret + "y");
        assertEquals(JWSAlgorithm.HS256, key.header().getAlgorithm());
        assertNull(key.header().getKeyID());
        assertEquals("", key.publicIds());
    }
}
