package dev.authloopback.loopback.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

/**
 * Issue 20: credential files are read bounded in size, parsed before use, re-read once per change,
 * and a missing, oversized or garbled file keeps the last good value while its status says why.
 */
class CredentialFilesTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** A write that is sure to count as a change, even within the file system's timestamp granularity. */
    private static long bump = System.currentTimeMillis() + 10_000;

    private static void rewrite(Path file, byte[] content) throws Exception {
        Files.write(file, content);
        bump += 5_000;
        Files.setLastModifiedTime(file, FileTime.fromMillis(bump));
    }

    private static void rewrite(Path file, String content) throws Exception {
        rewrite(file, content.getBytes(StandardCharsets.UTF_8));
    }

    private ReloadingFile<String> secretFile(Path file, AtomicInteger reads) {
        return new ReloadingFile<>(file, "client-secret-file", f -> {
            reads.incrementAndGet();
            return CredentialFiles.readSecret(f);
        }, CLOCK);
    }

    @Test
    void aSecretFileLargerThan64KiBIsRefusedNamingItsSizeWithoutReadingIt() throws Exception {
        Path file = dir.resolve("secret");
        Files.write(file, new byte[300 * 1024]);
        CredentialFileException e = assertThrows(CredentialFileException.class, () -> CredentialFiles.readSecret(file));
        assertEquals("is 307200 bytes, more than the 64 KiB such a file may hold", e.getMessage());
    }

    @Test
    void aKeyFileLargerThan1MiBIsRefused() throws Exception {
        Path file = dir.resolve("client.p12");
        Files.write(file, new byte[1024 * 1024 + 1]);
        assertTrue(assertThrows(CredentialFileException.class, () -> SigningKey.load(file, "pw", null, null))
                .getMessage().contains("more than the 1024 KiB"));
        assertTrue(assertThrows(CredentialFileException.class, () -> CredentialFiles.loadKeyStore(file, "pw"))
                .getMessage().contains("more than the 1024 KiB"));
    }

    @Test
    void aSecretIsOneLineOfTextWithoutControlCharacters() throws Exception {
        Path file = dir.resolve("secret");
        Files.writeString(file, "  s3cret value\r\n\n");
        assertEquals("s3cret value", CredentialFiles.readSecret(file));
        for (byte[] bad : new byte[][] {"new-secr\0\0\0\0".getBytes(StandardCharsets.US_ASCII), new byte[0],
                "\n".getBytes(StandardCharsets.US_ASCII), "two\nlines".getBytes(StandardCharsets.US_ASCII),
                {'a', 'b', (byte) 0xC3}}) {
            Files.write(file, bad);
            CredentialFileException e = assertThrows(CredentialFileException.class,
                    () -> CredentialFiles.readSecret(file), () -> new String(bad, StandardCharsets.ISO_8859_1));
            assertFalse(e.getMessage().contains("new-secr") || e.getMessage().contains("two"), e.getMessage());
        }
    }

    @Test
    void aGarbledOrOversizedRotationKeepsTheLastGoodSecretAndIsReadOncePerChange() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "first-secret\n");
        AtomicInteger reads = new AtomicInteger();
        ReloadingFile<String> secret = secretFile(file, reads);
        try (LogCapture logs = LogCapture.start(Level.WARNING, ReloadingFile.class.getName())) {
            rewrite(file, "new-secr\0\0\0\0\0\0\0\0");
            for (int i = 0; i < 5; i++) {
                assertEquals("first-secret", secret.current());
            }
            assertEquals(2, reads.get(), "one read at start, one for the change: not one per call");
            assertEquals(CredentialFileStatus.State.REFUSED, secret.status().state());

            rewrite(file, new byte[70 * 1024]);
            for (int i = 0; i < 5; i++) {
                assertEquals("first-secret", secret.current());
            }
            assertEquals(3, reads.get());
            assertTrue(secret.status().detail().contains("is 71680 bytes"), secret.status().detail());
            assertEquals(2, logs.linesContaining(" WARNING ").size(), logs.text());
            assertTrue(logs.text().contains("client-secret-file=" + file), logs.text());
            assertTrue(logs.text().contains("is 71680 bytes"), logs.text());
            assertFalse(logs.text().contains("new-secr"), logs.text());

            rewrite(file, "second-secret");
            assertEquals("second-secret", secret.current());
            assertEquals(CredentialFileStatus.State.IN_USE, secret.status().state());
        }
    }

    @Test
    void aMissingFileWarnsOnceKeepsTheLastGoodValueAndRecovers() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "first-secret\n");
        AtomicInteger reads = new AtomicInteger();
        ReloadingFile<String> secret = secretFile(file, reads);
        try (LogCapture logs = LogCapture.start(Level.WARNING, ReloadingFile.class.getName())) {
            Files.delete(file);
            for (int i = 0; i < 5; i++) {
                assertEquals("first-secret", secret.current());
            }
            CredentialFileStatus missing = secret.status();
            assertEquals(CredentialFileStatus.State.MISSING, missing.state());
            assertEquals("client-secret-file", missing.setting());
            assertEquals(1, logs.linesContaining(" WARNING ").size(), logs.text());
            assertEquals(1, reads.get());

            Files.writeString(file, "second-secret\n");
            assertEquals("second-secret", secret.current());
            assertEquals(CredentialFileStatus.State.IN_USE, secret.status().state());
        }
    }

    /**
     * Kubernetes mounts a secret as {@code secret -> ..data/secret} and {@code ..data -> ..<timestamp>},
     * and rotates it by renaming a new {@code ..data} link over the old one. The new target may have the
     * same size and modified time; it is another file (inode), so it counts as a change.
     */
    @Test
    void aKubernetesStyleDataLinkSwapIsFollowedToTheNewSecret() throws Exception {
        Path first = Files.createDirectory(dir.resolve("..2026_11_27_12_00_00.1"));
        Path second = Files.createDirectory(dir.resolve("..2026_11_27_12_05_00.2"));
        FileTime sameTime = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(Files.writeString(first.resolve("client-secret"), "secret-one"), sameTime);
        Files.setLastModifiedTime(Files.writeString(second.resolve("client-secret"), "secret-two"), sameTime);
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path mounted = Files.createSymbolicLink(dir.resolve("client-secret"), Path.of("..data", "client-secret"));
        AtomicInteger reads = new AtomicInteger();
        ReloadingFile<String> secret = secretFile(mounted, reads);
        assertEquals("secret-one", secret.current());

        Path newLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(newLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        assertEquals("secret-two", secret.current());
        assertEquals(2, reads.get());
    }

    @Test
    void aTruncatedKeyFileKeepsTheLastGoodKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        Path file = Files.writeString(dir.resolve("client-key.pem"), pem);
        ReloadingFile<SigningKey> key = new ReloadingFile<>(file, "client-key-file",
                f -> SigningKey.load(f, null, "kid-1", null), CLOCK);
        SigningKey first = key.current();

        rewrite(file, pem.substring(0, pem.length() / 2));

        assertEquals(first, key.current());
        assertEquals(CredentialFileStatus.State.REFUSED, key.status().state());
        assertTrue(key.status().detail().contains("no PEM 'PRIVATE KEY' block"), key.status().detail());
    }
}
