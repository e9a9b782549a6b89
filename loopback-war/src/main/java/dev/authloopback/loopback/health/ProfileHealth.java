package dev.authloopback.loopback.health;

import java.util.List;

/** A profile's health at one instant: the worst of its checks. */
public record ProfileHealth(String profile, HealthStatus status, List<HealthCheck> checks) {
    public ProfileHealth {
        checks = List.copyOf(checks);
    }

    public static ProfileHealth of(String profile, List<HealthCheck> checks) {
        HealthStatus status = HealthStatus.UP;
        for (HealthCheck check : checks) {
            status = status.worst(check.status());
        }
        return new ProfileHealth(profile, status, checks);
    }

    /** The checks that are not UP, for the one-line summary and the state-change log. */
    public List<HealthCheck> problems() {
        return checks.stream().filter(c -> c.status() != HealthStatus.UP).toList();
    }
}
