package dev.authloopback.loopback.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.loopback.request.TokenRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class OwningCredentialTest {
    private static final URI TOKEN_URL = URI.create("https://idp.example/oauth2/token");
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static ClientAuthSettings settings(ClientAuthMethod method, String secret, Path secretFile, Path keyFile,
                                               String keyId) {
        // Ceilings wide enough for the scopes and resource the callers below ask for (SelectingFieldsTest covers them).
        return new ClientAuthSettings(method, "app id", secret, secretFile, keyFile, null, keyId, null,
                Duration.ofSeconds(60), null, ClientAuthSettings.JWT_BEARER, null, null, null, null, null,
                "client_credentials", "orders.read", List.of(), null,
                java.util.Set.of("orders.read", "a", "b"), java.util.Set.of("https://api"), java.util.Set.of());
    }

    private static Map<String, String> form(TokenRequest request) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String field : new String(request.body(), StandardCharsets.US_ASCII).split("&")) {
            int eq = field.indexOf('=');
            form.put(field.substring(0, eq), URLDecoder.decode(field.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return form;
    }

    private static TokenRequest caller(String contentType, String body, String authorization) {
        return new TokenRequest("POST", contentType, null, authorization, Map.of(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basicEncodesIdAndSecretAsRfc6749Says() {
        ClientAuthSettings s = settings(ClientAuthMethod.CLIENT_SECRET_BASIC, "p@ss:word", null, null, null);
        TokenRequest upstream = new OwningCredential(s, TOKEN_URL, clock).authenticate(
                new SelectingFields(s, new JsonFactory()).reduce(caller(null, "", null)));
        assertEquals("Basic " + Base64.getEncoder().encodeToString("app+id:p%40ss%3Aword".getBytes()),
                upstream.authorization());
        assertEquals(Map.of("grant_type", "client_credentials", "scope", "orders.read"), form(upstream));
    }

    @Test
    void callerScopeReplacesTheDefaultAndJsonAndFormKeyAlike() {
        ClientAuthSettings s = settings(ClientAuthMethod.CLIENT_SECRET_POST, "x", null, null, null);
        SelectingFields fields = new SelectingFields(s, new JsonFactory());
        TokenRequest fromForm = fields.reduce(caller("application/x-www-form-urlencoded",
                "grant_type=client_credentials&scope=a+b&resource=https%3A%2F%2Fapi", null));
        TokenRequest fromJson = fields.reduce(caller("application/json",
                "{\"scope\":\"a b\",\"resource\":[\"https://api\"]}", null));
        assertEquals("scope=a+b&resource=https%3A%2F%2Fapi", new String(fromForm.body(), StandardCharsets.US_ASCII));
        assertEquals(new String(fromForm.body(), StandardCharsets.US_ASCII),
                new String(fromJson.body(), StandardCharsets.US_ASCII));
        assertNull(fromForm.authorization());
    }

    @Test
    void callerCredentialsAndUnknownFieldsAreRefused() {
        ClientAuthSettings s = settings(ClientAuthMethod.CLIENT_SECRET_POST, "x", null, null, null);
        SelectingFields fields = new SelectingFields(s, new JsonFactory());
        String form = "application/x-www-form-urlencoded";
        assertEquals("credential-not-allowed", assertThrows(CallerRequestRefused.class,
                () -> fields.reduce(caller(form, "scope=a", "Basic eDp5"))).slug());
        assertEquals("credential-not-allowed", assertThrows(CallerRequestRefused.class,
                () -> fields.reduce(caller(form, "client_assertion=x", null))).slug());
        assertEquals("credential-not-allowed", assertThrows(CallerRequestRefused.class,
                () -> fields.reduce(caller("application/json", "{\"client_secret\":\"x\"}", null))).slug());
        assertEquals("field-not-allowed", assertThrows(CallerRequestRefused.class,
                () -> fields.reduce(caller(form, "username=bob", null))).slug());
        assertEquals("field-not-allowed", assertThrows(CallerRequestRefused.class,
                () -> fields.reduce(caller(form, "grant_type=password", null))).slug());
    }

    @Test
    void secretFileIsReadAgainWhenItChanges() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "first\n");
        ClientAuthSettings s = settings(ClientAuthMethod.CLIENT_SECRET_POST, null, file, null, null);
        OwningCredential credential = new OwningCredential(s, TOKEN_URL, clock);
        TokenRequest empty = caller(null, "", null);
        assertEquals("first", form(credential.authenticate(empty)).get("client_secret"));
        Files.writeString(file, "second\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertEquals("second", form(credential.authenticate(empty)).get("client_secret"));
        Files.writeString(file, "\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10000));
        assertEquals("second", form(credential.authenticate(empty)).get("client_secret"),
                "an unusable rotation keeps the last good secret");
    }

    @Test
    void assertionCarriesRfc7523ClaimsAndAFreshJtiPerCall() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        Path pem = dir.resolve("key.pem");
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        ClientAuthSettings s = settings(ClientAuthMethod.PRIVATE_KEY_JWT, null, null, pem, "kid-1");
        OwningCredential credential = new OwningCredential(s, TOKEN_URL, clock);
        Map<String, String> first = form(credential.authenticate(caller(null, "", null)));
        Map<String, String> second = form(credential.authenticate(caller(null, "", null)));
        SignedJWT jwt = SignedJWT.parse(first.get("client_assertion"));
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertTrue(jwt.verify(new ECDSAVerifier((ECPublicKey) pair.getPublic())), "signature");
        assertEquals(JWSAlgorithm.ES256, jwt.getHeader().getAlgorithm());
        assertEquals("kid-1", jwt.getHeader().getKeyID());
        assertEquals("app id", claims.getIssuer());
        assertEquals("app id", claims.getSubject());
        assertEquals(List.of(TOKEN_URL.toString()), claims.getAudience());
        assertEquals(NOW.plusSeconds(60), claims.getExpirationTime().toInstant());
        assertEquals(OwningCredential.JWT_BEARER, first.get("client_assertion_type"));
        assertNotEquals(claims.getJWTID(), SignedJWT.parse(second.get("client_assertion")).getJWTClaimsSet().getJWTID());
    }

    @Test
    void anRsaKeyInPkcs1PemIsNamedWithTheConversionCommand() throws Exception {
        Path pem = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        CredentialFileException e = assertThrows(CredentialFileException.class, () -> SigningKey.load(pem, null, null, null));
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
    }

    @Test
    void aPemKeyWithoutClientKeyIdSignsWithoutKid() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        Path pem = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        ClientAuthSettings s = settings(ClientAuthMethod.PRIVATE_KEY_JWT, null, null, pem, null);
        SignedJWT jwt = SignedJWT.parse(form(new OwningCredential(s, TOKEN_URL, clock)
                .authenticate(caller(null, "", null))).get("client_assertion"));
        assertTrue(jwt.verify(new ECDSAVerifier((ECPublicKey) pair.getPublic())), "signature");
        assertNull(jwt.getHeader().getKeyID(), "Keycloak tries the registered key when no kid is sent");
    }

    @Test
    void clientSecretJwtSignsHs256WithTheSecretAndTheSameClaimsAsPrivateKeyJwt() throws Exception {
        String secret = "a-client-secret-of-32-bytes-0123";
        ClientAuthSettings s = settings(ClientAuthMethod.CLIENT_SECRET_JWT, secret, null, null, null);
        OwningCredential credential = new OwningCredential(s, TOKEN_URL, clock);
        TokenRequest upstream = credential.authenticate(caller(null, "", null));
        Map<String, String> first = form(upstream);
        Map<String, String> second = form(credential.authenticate(caller(null, "", null)));
        SignedJWT jwt = SignedJWT.parse(first.get("client_assertion"));
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertEquals(JWSAlgorithm.HS256, jwt.getHeader().getAlgorithm());
        assertTrue(jwt.verify(new MACVerifier(secret.getBytes(StandardCharsets.UTF_8))), "HS256 with the secret");
        assertNull(jwt.getHeader().getKeyID());
        assertEquals("app id", claims.getIssuer());
        assertEquals("app id", claims.getSubject());
        assertEquals(List.of(TOKEN_URL.toString()), claims.getAudience());
        assertEquals(NOW, claims.getIssueTime().toInstant());
        assertEquals(NOW.plusSeconds(60), claims.getExpirationTime().toInstant());
        assertEquals("app id", first.get("client_id"));
        assertEquals(ClientAuthSettings.JWT_BEARER, first.get("client_assertion_type"));
        assertNull(first.get("client_secret"), "the secret itself never leaves");
        assertNull(upstream.authorization());
        assertNotEquals(claims.getJWTID(), SignedJWT.parse(second.get("client_assertion")).getJWTClaimsSet().getJWTID());
        assertEquals(List.of(), credential.fileStatus(), "an inline secret is no file");
    }

    @Test
    void clientSecretJwtFromAFileRefusesARotationToASecretTooShortForHs256() throws Exception {
        String first = "first-secret-long-enough-for-hs256";
        Path file = Files.writeString(dir.resolve("secret"), first + "\n");
        ClientAuthSettings s = settings(ClientAuthMethod.CLIENT_SECRET_JWT, null, file, null, null);
        OwningCredential credential = new OwningCredential(s, TOKEN_URL, clock);
        Files.writeString(file, "too-short\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        SignedJWT jwt = SignedJWT.parse(form(credential.authenticate(caller(null, "", null))).get("client_assertion"));
        assertTrue(jwt.verify(new MACVerifier(first.getBytes(StandardCharsets.UTF_8))), "the last good secret signs");
        CredentialFileStatus status = credential.fileStatus().get(0);
        assertEquals("client-secret-file", status.setting());
        assertEquals(CredentialFileStatus.State.REFUSED, status.state());
        assertTrue(status.detail().contains("shorter than 32 bytes"), status.detail());
        assertEquals(1, credential.fileStatus().size(), "the secret file is read once, by the assertion signer");
    }
}
