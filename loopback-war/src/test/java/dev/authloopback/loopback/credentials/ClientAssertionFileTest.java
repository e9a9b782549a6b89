package dev.authloopback.loopback.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.logging.Level;

/**
 * Issue 21, workload identity: the platform's JWT is parsed before use, sent as it is, re-read when
 * the platform renews it, never sent once expired, and never logged or quoted.
 */
class ClientAssertionFileTest {
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final String SPIFFE = "urn:ietf:params:oauth:client-assertion-type:jwt-spiffe";
    private final MutableClock clock = new MutableClock(NOW);

    @TempDir
    Path dir;

    /** A token as Kubernetes writes one: signed by the platform, for a workload, valid for a while. */
    private static String platformJwt(Instant expiresAt, String subject) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("platform-key").build(),
                new JWTClaimsSet.Builder().issuer("https://kubernetes.default.svc").subject(subject)
                        .audience("https://idp.example/token").issueTime(Date.from(expiresAt.minusSeconds(3600)))
                        .expirationTime(Date.from(expiresAt)).build());
        jwt.sign(new ECDSASigner((ECPrivateKey) generator.generateKeyPair().getPrivate()));
        return jwt.serialize();
    }

    /** Renews the file as kubelet does: new content, a new stamp. */
    private static long bump = System.currentTimeMillis() + 10_000;

    private static void renew(Path file, String content) throws Exception {
        Files.writeString(file, content);
        bump += 5_000;
        Files.setLastModifiedTime(file, FileTime.fromMillis(bump));
    }

    @Test
    void theAssertionIsSentAsItIsWithTheConfiguredTypeAndReReadWhenRenewed() throws Exception {
        String first = platformJwt(NOW.plusSeconds(3600), "system:serviceaccount:orders:orders");
        Path file = Files.writeString(dir.resolve("token"), first + "\n");
        ClientAssertionFile assertions = new ClientAssertionFile(file, SPIFFE, clock);
        assertEquals(first, assertions.next());
        assertEquals(SPIFFE, assertions.type());
        assertEquals(CredentialFileStatus.State.IN_USE, assertions.fileStatus().get(0).state());

        String second = platformJwt(NOW.plusSeconds(7200), "system:serviceaccount:orders:orders");
        renew(file, second);
        assertEquals(second, assertions.next());
    }

    @Test
    void anExpiredAssertionIsNotSentAndHealthSaysWhyWithoutQuotingIt() throws Exception {
        String token = platformJwt(NOW.plusSeconds(60), "spiffe://example.org/orders");
        Path file = Files.writeString(dir.resolve("svid"), token);
        ClientAssertionFile assertions = new ClientAssertionFile(file, SPIFFE, clock);
        clock.advance(Duration.ofSeconds(60));

        ExpiredClientAssertion e = assertThrows(ExpiredClientAssertion.class, assertions::next);

        assertTrue(e.getMessage().contains("client-assertion-file=" + file + ": the assertion expired at "
                + NOW.plusSeconds(60)), e.getMessage());
        assertFalse(e.getMessage().contains(token.substring(0, 20)), e.getMessage());
        CredentialFileStatus status = assertions.fileStatus().get(0);
        assertEquals(CredentialFileStatus.State.EXPIRED, status.state());
        assertEquals(NOW.plusSeconds(60), status.since());

        renew(file, platformJwt(NOW.plusSeconds(3600), "spiffe://example.org/orders"));
        assertEquals(CredentialFileStatus.State.IN_USE, assertions.fileStatus().get(0).state(), "the platform renewed it");
    }

    @Test
    void anExpiredFileAtStartUpIsAcceptedWithAWarningNotAFailedDeployment() throws Exception {
        String token = platformJwt(NOW.minusSeconds(1), "spiffe://example.org/orders");
        Path file = Files.writeString(dir.resolve("stale"), token);
        try (LogCapture logs = LogCapture.start(Level.WARNING, ClientAssertionFile.class.getName())) {
            ClientAssertionFile assertions = new ClientAssertionFile(file, ClientAuthSettings.JWT_BEARER, clock);
            assertThrows(ExpiredClientAssertion.class, assertions::next);
            assertTrue(logs.contains("client-assertion-file=" + file + ": the assertion expired at"), logs.text());
            assertFalse(logs.text().contains(token.substring(0, 20)), logs.text());
        }
    }

    @Test
    void aNewFileThatFailsItsChecksKeepsTheAssertionInUse() throws Exception {
        String good = platformJwt(NOW.plusSeconds(3600), "sa");
        Path file = Files.writeString(dir.resolve("token"), good);
        ClientAssertionFile assertions = new ClientAssertionFile(file, ClientAuthSettings.JWT_BEARER, clock);
        try (LogCapture logs = LogCapture.start(Level.WARNING, ReloadingFile.class.getName())) {
            renew(file, good.substring(0, good.length() / 2));
            assertEquals(good, assertions.next(), "half a token is refused");
            assertEquals(CredentialFileStatus.State.REFUSED, assertions.fileStatus().get(0).state());

            renew(file, platformJwt(NOW.minusSeconds(5), "sa"));
            assertEquals(good, assertions.next(), "an expired renewal does not replace a valid token");
            assertTrue(assertions.fileStatus().get(0).detail().contains("while the one in use is valid until"),
                    assertions.fileStatus().get(0).detail());
            assertFalse(logs.text().contains(good.substring(0, 20)), "never logged: " + logs.text());
        }
    }

    @Test
    void onlyASignedCompactJwtWithAnExpiryIsAccepted() throws Exception {
        String valid = platformJwt(NOW.plusSeconds(3600), "sa");
        String[] parts = valid.split("\\.");
        String none = Base64URL.encode("{\"alg\":\"none\"}") + "." + parts[1] + ".";
        String noneSigned = Base64URL.encode("{\"alg\":\"none\"}") + "." + parts[1] + "." + parts[2];
        String noExp = parts[0] + "." + Base64URL.encode("{\"sub\":\"sa\"}") + "." + parts[2];
        String notJson = parts[0] + "." + Base64URL.encode("hello") + "." + parts[2];
        List<String> contents = List.of(parts[0] + "." + parts[1], valid + ".x.y", none, noneSigned, noExp, notJson,
                valid + "\n" + valid, "{\"payload\":\"" + parts[1] + "\"}", "");
        List<String> expected = List.of("2 dot-separated parts", "5 dot-separated parts where a signed JWT has three"
                        + " (an encrypted JWT?)", "must be base64url", "is not a signed JWT (alg 'none'",
                "has no 'exp' claim", "cannot be parsed as a signed JWT", "must be one line", "1 dot-separated parts",
                "the file is empty");
        for (int i = 0; i < contents.size(); i++) {
            Path file = Files.writeString(dir.resolve("case-" + i), contents.get(i));
            CredentialFileException e = assertThrows(CredentialFileException.class,
                    () -> ClientAssertionFile.readExpiry(file), contents.get(i));
            assertTrue(e.getMessage().contains(expected.get(i)), i + ": " + e.getMessage());
            assertFalse(e.getMessage().contains(parts[1]), "never quotes the token: " + e.getMessage());
        }
        assertEquals(NOW.plusSeconds(3600), ClientAssertionFile.readExpiry(Files.writeString(dir.resolve("ok"), valid)));
    }

    @Test
    void aFileLargerThan64KiBIsRefusedUnread() throws Exception {
        Path file = Files.write(dir.resolve("huge"), new byte[70 * 1024]);
        CredentialFileException e = assertThrows(CredentialFileException.class, () -> ClientAssertionFile.readExpiry(file));
        assertTrue(e.getMessage().contains("more than the 64 KiB"), e.getMessage());
    }
}
