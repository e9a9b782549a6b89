package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.ClusterSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ExchangeProfilesTest {

    @Test
    void digestWhenNodesShareASealedClusterThenTheyKeyASubjectTokenAlike(@TempDir Path dir) throws Exception {
        Path keys = dir.resolve("cluster.keys");
        Files.writeString(keys, "k1 " + Base64.getEncoder().encodeToString(new byte[32]) + " seal\n");
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
        ClusterSettings cluster = new ClusterSettings(URI.create("terracotta://127.0.0.1:9410/loopback"), "main",
                64L << 20, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5),
                keys, false);
        assertEquals(ExchangeProfiles.digest(cluster).of("user-token"), ExchangeProfiles.digest(cluster).of("user-token"),
                "two nodes of one cluster: one key per subject token, so one entry and one exchange");
        assertNotEquals(ExchangeProfiles.digest(null).of("user-token"), ExchangeProfiles.digest(null).of("user-token"),
                "without a cluster the key is random per web app");
    }
}
