package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClientAuthMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
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
        String message = problem("client-auth", "client_secret_jwt");
        assertTrue(message.contains("client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth"),
                message);
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
}
