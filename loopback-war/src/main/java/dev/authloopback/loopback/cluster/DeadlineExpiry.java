package dev.authloopback.loopback.cluster;

import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.expiry.ExpiryPolicy;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * An entry that goes away at a deadline its value carries, whatever happens to the node that wrote
 * it: a lease at its holder's deadline ({@link dev.authloopback.loopback.cache.Lease#deadline}), a
 * subject's index when its last entry ends ({@link SubjectKeys#endsAt}). Reads do not extend it.
 */
final class DeadlineExpiry<V> implements ExpiryPolicy<String, V> {
    private final TimeSource timeSource;
    private final ToLongFunction<V> deadline;

    /** @param deadline the value's deadline, epoch millis on {@code timeSource}'s clock */
    DeadlineExpiry(TimeSource timeSource, ToLongFunction<V> deadline) {
        this.timeSource = timeSource;
        this.deadline = deadline;
    }

    @Override
    public Duration getExpiryForCreation(String key, V value) {
        return untilDeadline(value);
    }

    @Override
    public Duration getExpiryForAccess(String key, Supplier<? extends V> value) {
        return null;
    }

    @Override
    public Duration getExpiryForUpdate(String key, Supplier<? extends V> oldValue, V newValue) {
        return untilDeadline(newValue);
    }

    private Duration untilDeadline(V value) {
        return Duration.ofMillis(Math.max(0, deadline.applyAsLong(value) - timeSource.getTimeMillis()));
    }
}
