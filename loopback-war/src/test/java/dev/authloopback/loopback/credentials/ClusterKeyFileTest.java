package dev.authloopback.loopback.credentials;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterKeyFileTest {
    private static final String A = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String B = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
            12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

    @TempDir
    Path dir;

    @Test
    void oneKeyWithoutARoleSeals() {
        ClusterKeyRing ring = ClusterKeyFile.parse(List.of("# a comment", "", "k1 " + A));
        assertEquals("k1", ring.sealingId());
        assertEquals(List.of("k1"), ring.ids());
    }

    @Test
    void theThreeRotationStepsParse() {
        assertEquals("k1", ClusterKeyFile.parse(List.of("k1 " + A + " seal", "k2 " + B + " open")).sealingId());
        assertEquals("k2", ClusterKeyFile.parse(List.of("k1 " + A + " open", "k2 " + B + " seal")).sealingId());
        assertEquals(List.of("k2"), ClusterKeyFile.parse(List.of("k2 " + B + " seal")).ids());
    }

    @Test
    void everyMistakeIsNamedWithoutKeyMaterial() {
        assertMessage("exactly one key must be marked seal (found 0)", "k1 " + A + " open", "k2 " + B + " open");
        assertMessage("exactly one key must be marked seal (found 2)", "k1 " + A + " seal", "k2 " + B + " seal");
        assertMessage("exactly one key must be marked seal (found 0)", "k1 " + A, "k2 " + B);
        assertMessage("holds no key", "# nothing");
        assertMessage("line 1 (key k1): must be 32 bytes", "k1 " + Base64.getEncoder().encodeToString(new byte[16]));
        assertMessage("line 1 (key k1): not base64", "k1 not*base64");
        assertMessage("line 1: key id must be", "k/1 " + A);
        assertMessage("line 2: key id k1 appears twice", "k1 " + A + " seal", "k1 " + B);
        assertMessage("line 1 (key k1): role must be seal or open", "k1 " + A + " sealed");
        assertMessage("line 1: expected", "k1");
    }

    @Test
    void aFileOthersMayReadIsRefusedNamingTheFix() throws IOException {
        Path file = dir.resolve("cluster.keys");
        Files.writeString(file, "k1 " + A + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        CredentialFileException e = assertThrows(CredentialFileException.class, () -> ClusterKeyFile.read(file));
        assertTrue(e.getMessage().contains("group or others") && e.getMessage().contains("chmod 600"), e.getMessage());

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals("k1", ClusterKeyFile.read(file).sealingId());
    }

    @Test
    void aMissingFileIsSaidSo() {
        assertEquals("no such file", assertThrows(CredentialFileException.class,
                () -> ClusterKeyFile.read(dir.resolve("absent"))).getMessage());
    }

    private static void assertMessage(String expected, String... lines) {
        CredentialFileException e = assertThrows(CredentialFileException.class, () -> ClusterKeyFile.parse(List.of(lines)));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
        assertFalse(e.getMessage().contains(A) || e.getMessage().contains(B), e.getMessage());
    }
}
