package dev.authloopback.loopback.health;

/** Health of a check, a profile or the whole loopback; declared from best to worst. */
public enum HealthStatus {
    /** Everything works. */
    UP,
    /** Callers are served, but not as designed (an upstream call failed, stale tokens stand in). */
    DEGRADED,
    /** Callers get errors: the upstream keeps failing and no stored token can stand in. */
    DOWN;

    public HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }

    /** HTTP status for probes and load balancers: only DOWN takes the node out of rotation. */
    public int httpStatus() {
        return this == DOWN ? 503 : 200;
    }
}
