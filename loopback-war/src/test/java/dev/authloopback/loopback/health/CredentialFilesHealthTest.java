package dev.authloopback.loopback.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.loopback.credentials.CredentialFileStatus;
import dev.authloopback.loopback.credentials.CredentialFileStatus.State;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

class CredentialFilesHealthTest {
    private static final Instant T = Instant.parse("2026-11-27T12:00:00Z");

    private static CredentialFileStatus file(String setting, State state) {
        return new CredentialFileStatus(setting, Path.of("/etc/" + setting), state, T, state.name().toLowerCase());
    }

    @Test
    void noFileNoCheck() {
        assertNull(CredentialFilesHealth.check(List.of()));
    }

    @Test
    void anExpiredAssertionIsDegradedAndNamedFirstSinceMissesFailWhileItLasts() {
        HealthCheck check = CredentialFilesHealth.check(List.of(file("client-secret-file", State.MISSING),
                file("client-assertion-file", State.EXPIRED), file("client-key-file", State.REFUSED)));
        assertEquals(HealthStatus.DEGRADED, check.status());
        assertEquals("client_assertion_expired", check.reason());
        assertTrue(check.detail().contains("client-assertion-file=/etc/client-assertion-file: expired (since " + T
                + ")"), check.detail());
    }

    @Test
    void aMissingFileOutranksARefusedOne() {
        assertEquals("credential_file_missing", CredentialFilesHealth.check(List.of(file("a", State.REFUSED),
                file("b", State.MISSING))).reason());
        assertEquals(HealthStatus.UP, CredentialFilesHealth.check(List.of(file("a", State.IN_USE))).status());
    }
}
