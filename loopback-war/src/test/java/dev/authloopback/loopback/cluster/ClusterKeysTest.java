package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** cluster-key-file re-read on change; a broken change keeps the last good keys with one WARNING. */
class ClusterKeysTest {
    private static final String K1 = ClusterKeyFiles.newKey();
    private static final String K2 = ClusterKeyFiles.newKey();

    @TempDir
    Path dir;

    @Test
    void theThreeRotationStepsAreReadAsTheFileChanges() {
        Path file = ClusterKeyFiles.write(dir.resolve("cluster.keys"), "k1 " + K1 + "\n");
        ClusterKeys keys = new ClusterKeys(settings(file));
        String before = keys.get().name("default:x");
        assertFalse(keys.refresh(), "unchanged");

        ClusterKeyFiles.write(file, "k1 " + K1 + " seal\nk2 " + K2 + " open\n");
        assertTrue(keys.refresh());
        assertTrue(keys.get().describe().endsWith("sealing with key k1, opening k1, k2"), keys.get().describe());
        assertEquals(before, keys.get().name("default:x"), "an open-only key changes no name");

        ClusterKeyFiles.write(file, "k1 " + K1 + " open\nk2 " + K2 + " seal\n");
        assertTrue(keys.refresh());
        assertTrue(keys.get().describe().endsWith("sealing with key k2, opening k1, k2"), keys.get().describe());

        ClusterKeyFiles.write(file, "k2 " + K2 + " seal\n");
        assertTrue(keys.refresh());
        assertTrue(keys.get().describe().endsWith("sealing with key k2, opening k2"), keys.get().describe());
    }

    @Test
    void aBrokenOrTooOpenFileKeepsTheLastGoodKeysWithOneWarningPerChange() throws Exception {
        Path file = ClusterKeyFiles.write(dir.resolve("cluster.keys"), "k1 " + K1 + "\n");
        ClusterKeys keys = new ClusterKeys(settings(file));
        try (LogCapture logs = LogCapture.start(Level.WARNING, "dev.authloopback.loopback.cluster")) {
            ClusterKeyFiles.write(file, "k1 " + K1 + " open\n");
            assertFalse(keys.refresh());
            assertFalse(keys.refresh());
            assertEquals(1, logs.linesContaining("cluster-key-file=" + file + ": changed but cannot be used (exactly"
                    + " one key must be marked seal").size(), logs::text);
            assertTrue(keys.get().describe().endsWith("sealing with key k1, opening k1"), keys.get().describe());

            ClusterKeyFiles.write(file, "k2 " + K2 + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            assertFalse(keys.refresh());
            assertTrue(logs.contains("readable or writable by group or others"), logs::text);
            assertFalse(logs.text().contains(K1) || logs.text().contains(K2), "no key material in logs");
            assertTrue(keys.get().describe().endsWith("sealing with key k1, opening k1"), keys.get().describe());
        }
    }

    @Test
    void unsealedIsAPlainSealForEver() {
        ClusterKeys keys = new ClusterKeys(new ClusterSettings(URI.create("terracotta://127.0.0.1:9410/x"), "main",
                8L << 20, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)));
        assertFalse(keys.sealed());
        assertTrue(keys.get() instanceof PlainSeal);
        assertFalse(keys.refresh());
    }

    private static ClusterSettings settings(Path file) {
        return new ClusterSettings(URI.create("terracotta://127.0.0.1:9410/auth-loopback"), "main", 8L << 20,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), file, false);
    }
}
