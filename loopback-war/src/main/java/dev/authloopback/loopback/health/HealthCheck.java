package dev.authloopback.loopback.health;

import java.util.Objects;

/**
 * One named check of a profile's health.
 *
 * @param name   {@code configuration}, {@code upstream}, {@code stale}, {@code cache-tier}
 * @param reason a stable code an operator can alert on ({@code ok}, {@code upstream_failing}, ...)
 * @param detail one human sentence, never a token, secret or key material
 */
public record HealthCheck(String name, HealthStatus status, String reason, String detail) {
    public HealthCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }
}
