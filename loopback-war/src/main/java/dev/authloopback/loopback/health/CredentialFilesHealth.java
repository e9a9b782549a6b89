package dev.authloopback.loopback.health;

import dev.authloopback.loopback.credentials.CredentialFileStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code credentials} check of an owning profile that reads its secret or key from a file:
 * UP while every file's current content is in use; DEGRADED while one is missing
 * ({@code credential_file_missing}), changed into something unusable ({@code credential_file_refused}),
 * or holds a platform-issued assertion that has expired ({@code client_assertion_expired}, the reason
 * named first: then misses fail). Never DOWN: cached tokens are still served, the last good secret or
 * key is still sent, and whether the IdP still accepts it shows in the {@code upstream} check.
 */
public final class CredentialFilesHealth {
    public static final String NAME = "credentials";

    private CredentialFilesHealth() {
    }

    /** @return {@code null} when the profile reads no credential file (nothing to report) */
    public static HealthCheck check(List<CredentialFileStatus> files) {
        if (files.isEmpty()) {
            return null;
        }
        String reason = "ok";
        List<String> details = new ArrayList<>();
        for (CredentialFileStatus file : files) {
            switch (file.state()) {
                case EXPIRED -> reason = "client_assertion_expired";
                case MISSING -> {
                    if (!"client_assertion_expired".equals(reason)) {
                        reason = "credential_file_missing";
                    }
                }
                case REFUSED -> {
                    if ("ok".equals(reason)) {
                        reason = "credential_file_refused";
                    }
                }
                case IN_USE -> {
                    // Stays "ok" unless another file says otherwise.
                }
            }
            details.add(file.setting() + "=" + file.file() + ": " + file.detail() + " (since " + file.since() + ")");
        }
        return new HealthCheck(NAME, "ok".equals(reason) ? HealthStatus.UP : HealthStatus.DEGRADED, reason,
                String.join("; ", details));
    }
}
