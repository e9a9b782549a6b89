package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.Lease;
import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.expiry.ExpiryPolicy;

import java.time.Duration;
import java.util.function.Supplier;

/** A lease entry goes away at its deadline: it never outlives it, whatever happens to its holder. */
final class LeaseExpiry implements ExpiryPolicy<String, Lease> {
    private final TimeSource timeSource;

    LeaseExpiry(TimeSource timeSource) {
        this.timeSource = timeSource;
    }

    @Override
    public Duration getExpiryForCreation(String key, Lease value) {
        return untilDeadline(value);
    }

    @Override
    public Duration getExpiryForAccess(String key, Supplier<? extends Lease> value) {
        return null;
    }

    @Override
    public Duration getExpiryForUpdate(String key, Supplier<? extends Lease> oldValue, Lease newValue) {
        return untilDeadline(newValue);
    }

    private Duration untilDeadline(Lease lease) {
        return Duration.ofMillis(Math.max(0, lease.deadline() - timeSource.getTimeMillis()));
    }
}
