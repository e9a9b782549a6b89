package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClientAuthMethod;
import dev.authloopback.loopback.credentials.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientAuthSettingsTest {
    private static final String SECRET = "client-5ecret-never-shown";

    @TempDir
    Path dir;

    private static LoopbackConfiguration read(String... pairs) {
        Map<String, String> init = new HashMap<>();
        init.put("loopback.upstream-url", "https://127.0.0.1:9/token");
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            init.put("loopback." + pairs[i], pairs[i + 1]);
        }
        return LoopbackConfiguration.from(SettingsSources.of(Map.of(), Map.of(), init));
    }

    private static String problem(String... pairs) {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(pairs));
        assertFalse(e.getMessage().contains(SECRET), () -> "secret echoed: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void transparentModeIsTheDefault() {
        assertEquals(ClientAuthMethod.NONE, read().defaultProfile().clientAuth().method());
    }

    @Test
    void clientSecretBasicNeedsAClientIdAndASecret() {
        String message = problem("client-auth", "client_secret_basic");
        assertTrue(message.contains("loopback.client-id: required"), message);
        assertTrue(message.contains("loopback.client-secret: required"), message);
    }

    @Test
    void effectiveConfigurationLineMasksTheSecret() {
        String line = read("client-auth", "client_secret_basic", "client-id", "app", "client-secret", SECRET,
                "shared-secret", "caller-5ecret-0123456789").defaultProfile().describe();
        assertTrue(line.contains("client-auth=client_secret_basic client-id=app"), line);
        assertTrue(line.contains("client-secret=<masked>"), line);
        assertFalse(line.contains(SECRET), line);
    }

    @Test
    void secretAndSecretFileTogetherAreRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("s"), SECRET);
        String message = problem("client-auth", "client_secret_post", "client-id", "app", "client-secret", SECRET,
                "client-secret-file", file.toString());
        assertTrue(message.contains("not both"), message);
    }

    @Test
    void anEmptySecretFileIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("empty"), "\n");
        String message = problem("client-auth", "client_secret_post", "client-id", "app",
                "client-secret-file", file.toString());
        assertTrue(message.contains("loopback.client-secret-file='" + file + "': the file is empty"), message);
    }

    @Test
    void aSecretInTransparentModeIsAMistakeNotSilentlyIgnored() {
        String message = problem("client-secret", SECRET);
        assertTrue(message.contains("loopback.client-secret='<masked>': not used with client-auth=none"), message);
    }

    @Test
    void settingsOfAnotherModeAreNamed() {
        String message = problem("client-auth", "private_key_jwt", "client-id", "app", "client-secret", SECRET,
                "client-key-file", dir.resolve("missing.p12").toString());
        assertTrue(message.contains("loopback.client-secret='<masked>': not used with client-auth=private_key_jwt"),
                message);
        assertTrue(message.contains("loopback.client-key-file="), message);
    }

    @Test
    void unknownClientAuthListsTheModes() {
        String message = problem("client-auth", "client_secret_jwk");
        assertTrue(message.contains("client_secret_basic, client_secret_post, private_key_jwt, client_secret_jwt,"
                + " tls_client_auth"), message);
    }

    @Test
    void aMistypedModeIsOneProblemNotAlsoTheTransparentModesComplaints() {
        String message = problem("client-auth", "client_secret_basik", "client-id", "app", "client-secret", SECRET);
        assertTrue(message.contains("loopback.client-auth='client_secret_basik': must be one of"), message);
        assertFalse(message.contains("not used with"), message);
    }

    @Test
    void tlsClientAuthNeedsAnHttpsTokenEndpoint() {
        Map<String, String> init = new HashMap<>(Map.of("loopback.upstream-url", "http://127.0.0.1:9/token",
                "loopback.client-auth", "tls_client_auth", "loopback.client-id", "app"));
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> LoopbackConfiguration.from(SettingsSources.of(Map.of(), Map.of(), init)));
        assertTrue(e.getMessage().contains("needs an https token endpoint"), e.getMessage());
        assertTrue(e.getMessage().contains("loopback.key-store: required"), e.getMessage());
    }

    @Test
    void resourcesMustBeAbsoluteUris() {
        String message = problem("client-auth", "client_secret_basic", "client-id", "app", "client-secret", SECRET,
                "resource", "https://api.example/orders, orders");
        assertTrue(message.contains("loopback.resource="), message);
        assertTrue(message.contains("'orders' must be an absolute URI"), message);
    }

    @Test
    void assertionLifetimeIsShort() throws Exception {
        String message = problem("client-auth", "private_key_jwt", "client-id", "app",
                "client-key-file", dir.resolve("k.pem").toString(), "assertion-lifetime", "1h");
        assertTrue(message.contains("loopback.assertion-lifetime='1h': must be at most PT10M"), message);
    }

    @Test
    void aMisspeltClientSecretIsMaskedToo() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read("client-secert", SECRET));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }

    @Test
    void anOversizedSecretFileFailsTheDeploymentNamingTheSettingAndTheSize() throws Exception {
        Path file = dir.resolve("huge");
        Files.write(file, new byte[100 * 1024]);
        String message = problem("client-auth", "client_secret_post", "client-id", "app",
                "client-secret-file", file.toString());
        assertTrue(message.contains("loopback.client-secret-file='" + file + "': is 102400 bytes, more than the"
                + " 64 KiB such a file may hold"), message);
    }

    @Test
    void aNulPaddedSecretFileFailsTheDeployment() throws Exception {
        Path file = Files.writeString(dir.resolve("padded"), "half-writ\0\0\0\0");
        String message = problem("client-auth", "client_secret_post", "client-id", "app",
                "client-secret-file", file.toString());
        assertTrue(message.contains("loopback.client-secret-file='" + file + "': holds a control character"), message);
        assertFalse(message.contains("half-writ"), message);
    }

    private static final String OWNING = "caller-5ecret-0123456789";
    private static final String HS256_SECRET = "client-5ecret-never-shown-32-byt";

    /** A signed JWT as a platform writes one (how it is signed does not matter to the loopback). */
    private Path platformJwt(String name, Instant expiresAt) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).build(), new JWTClaimsSet.Builder()
                .subject("system:serviceaccount:orders:orders").expirationTime(Date.from(expiresAt)).build());
        jwt.sign(new MACSigner(new byte[32]));
        return Files.writeString(dir.resolve(name), jwt.serialize() + "\n");
    }

    @Test
    void clientSecretJwtNeedsASecretOfAtLeast32BytesAndNamesTheSetting() throws Exception {
        String message = problem("client-auth", "client_secret_jwt", "client-id", "app", "client-secret", SECRET);
        assertTrue(message.contains("loopback.client-secret='<masked>': is shorter than 32 bytes: client_secret_jwt"
                + " signs HS256"), message);
        Path file = Files.writeString(dir.resolve("short"), SECRET + "\n");
        String fromFile = problem("client-auth", "client_secret_jwt", "client-id", "app",
                "client-secret-file", file.toString());
        assertTrue(fromFile.contains("loopback.client-secret-file='" + file + "': is shorter than 32 bytes"), fromFile);
    }

    @Test
    void clientSecretJwtDeploysWithALongEnoughSecretAndItsAssertionLifetime() {
        LoopbackSettings settings = read("client-auth", "client_secret_jwt", "client-id", "app",
                "client-secret", HS256_SECRET, "assertion-lifetime", "30s", "shared-secret", OWNING).defaultProfile();
        assertEquals(java.time.Duration.ofSeconds(30), settings.clientAuth().assertionLifetime());
        String line = settings.describe();
        assertTrue(line.contains("client-auth=client_secret_jwt client-id=app"), line);
        assertTrue(line.contains("client-secret=<masked>") && line.contains("assertion-lifetime=PT30S"), line);
        assertFalse(line.contains(HS256_SECRET), line);
        String keyId = problem("client-auth", "client_secret_jwt", "client-id", "app", "client-secret", HS256_SECRET,
                "client-key-id", "k1");
        assertTrue(keyId.contains("loopback.client-key-id=(set): not used with client-auth=client_secret_jwt"), keyId);
    }

    @Test
    void clientAssertionFileIsTheAlternativeToAKeyFileNotAnAddition() throws Exception {
        Path token = platformJwt("token", Instant.now().plusSeconds(3600));
        String both = problem("client-auth", "private_key_jwt", "client-id", "app", "client-assertion-file",
                token.toString(), "client-key-file", dir.resolve("k.pem").toString());
        assertTrue(both.contains("loopback.client-assertion-file='" + token + "': set either client-key-file (the"
                + " loopback signs) or client-assertion-file (the platform signs), not both"), both);
        String neither = problem("client-auth", "private_key_jwt", "client-id", "app");
        assertTrue(neither.contains("loopback.client-key-file: required with client-auth=private_key_jwt (or"
                + " loopback.client-assertion-file naming a platform-issued JWT)"), neither);
        String signing = problem("client-auth", "private_key_jwt", "client-id", "app", "client-assertion-file",
                token.toString(), "client-key-password", SECRET, "client-key-id", "k", "client-key-alg", "RS256",
                "assertion-lifetime", "30s");
        for (String setting : new String[] {"client-key-password='<masked>'", "client-key-id=(set)",
                "client-key-alg=(set)", "assertion-lifetime=(set)"}) {
            assertTrue(signing.contains("loopback." + setting + ": not used with client-assertion-file"), signing);
        }
    }

    @Test
    void aMissingOrUnparsableAssertionFileFailsTheDeploymentNamingTheSetting() throws Exception {
        Path missing = dir.resolve("no-such-token");
        String message = problem("client-auth", "private_key_jwt", "client-id", "app",
                "client-assertion-file", missing.toString());
        assertTrue(message.contains("loopback.client-assertion-file='" + missing + "': no such file"), message);
        Path garbage = Files.writeString(dir.resolve("garbage"), "not.a.jwt\n");
        String unparsable = problem("client-auth", "private_key_jwt", "client-id", "app",
                "client-assertion-file", garbage.toString());
        assertTrue(unparsable.contains("loopback.client-assertion-file='" + garbage + "': cannot be parsed as a"
                + " signed JWT"), unparsable);
    }

    @Test
    void anExpiredAssertionFileStillDeploys() throws Exception {
        Path token = platformJwt("expired", Instant.now().minusSeconds(60));
        LoopbackSettings settings = read("client-auth", "private_key_jwt", "client-id", "app",
                "client-assertion-file", token.toString(), "shared-secret", OWNING).defaultProfile();
        assertEquals(token, settings.clientAuth().clientAssertionFile());
    }

    @Test
    void clientAssertionTypeIsAnAbsoluteUriDefaultingToJwtBearerAndOnlyForAnAssertionFile() throws Exception {
        Path token = platformJwt("token", Instant.now().plusSeconds(3600));
        LoopbackSettings plain = read("client-auth", "private_key_jwt", "client-id", "app",
                "client-assertion-file", token.toString(), "shared-secret", OWNING).defaultProfile();
        assertEquals("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", plain.clientAuth().clientAssertionType());
        String line = plain.describe();
        assertTrue(line.contains("client-assertion-file=" + token + " client-assertion-type=urn:ietf:params:oauth:"
                + "client-assertion-type:jwt-bearer"), line);
        assertFalse(line.contains("assertion-lifetime"), "the platform dates its JWT: " + line);
        String spiffe = "urn:ietf:params:oauth:client-assertion-type:jwt-spiffe";
        assertEquals(spiffe, read("client-auth", "private_key_jwt", "client-id", "app", "client-assertion-file",
                token.toString(), "client-assertion-type", spiffe, "shared-secret", OWNING).defaultProfile()
                .clientAuth().clientAssertionType());
        String relative = problem("client-auth", "private_key_jwt", "client-id", "app", "client-assertion-file",
                token.toString(), "client-assertion-type", "jwt-bearer");
        assertTrue(relative.contains("loopback.client-assertion-type='jwt-bearer': must be an absolute URI"), relative);
        String withKey = problem("client-auth", "private_key_jwt", "client-id", "app", "client-key-file",
                dir.resolve("k.pem").toString(), "client-assertion-type", spiffe);
        assertTrue(withKey.contains("loopback.client-assertion-type=(set): only with client-assertion-file"), withKey);
        String otherMode = problem("client-auth", "client_secret_basic", "client-id", "app", "client-secret", SECRET,
                "client-assertion-file", token.toString());
        assertTrue(otherMode.contains("loopback.client-assertion-file=(set): not used with"
                + " client-auth=client_secret_basic"), otherMode);
    }

    @Test
    void aKeyFileWhoseCertificateIsAnotherKeysFailsTheDeploymentAndAGoodOneShowsItsPublicIds() throws Exception {
        TestKeys client = TestKeys.make(dir, "client", "RSA");
        TestKeys other = TestKeys.make(dir, "other", "RSA");
        Path mixed = client.pemWithCertificateOf(other);
        String message = problem("client-auth", "private_key_jwt", "client-id", "app", "client-key-file",
                mixed.toString());
        assertTrue(message.contains("loopback.client-key-file='" + mixed + "': its certificate's public key does not"
                + " match its private key"), message);

        String line = read("client-auth", "private_key_jwt", "client-id", "app", "client-key-file",
                client.pemWithCertificate().toString(), "shared-secret", OWNING).defaultProfile().describe();
        String x5t = com.nimbusds.jose.util.X509CertUtils.computeSHA256Thumbprint(client.certificate()).toString();
        String thumbprint = client.jwk(null, false).computeThumbprint().toString();
        assertTrue(line.contains(" kid=<none> x5t#S256=" + x5t + " jwk-thumbprint=" + thumbprint), line);
        assertTrue(line.contains("assertion-lifetime=PT1M"), line);
    }
}
