package dev.authloopback.loopback.cluster;

import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.expiry.ExpiryPolicy;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * A mark lives while it is needed: for the rate limit, {@code min-refresh-interval} after its claim;
 * for its "not before", as long as the evicted token could still be served. The evict-all mark
 * ({@code until} = {@link Long#MAX_VALUE}) stays.
 */
final class MarkExpiry implements ExpiryPolicy<String, Mark> {
    private final TimeSource timeSource;
    private final Duration interval;

    MarkExpiry(TimeSource timeSource, Duration interval) {
        this.timeSource = timeSource;
        this.interval = interval;
    }

    @Override
    public Duration getExpiryForCreation(String key, Mark value) {
        return life(value);
    }

    @Override
    public Duration getExpiryForAccess(String key, Supplier<? extends Mark> value) {
        return null;
    }

    @Override
    public Duration getExpiryForUpdate(String key, Supplier<? extends Mark> oldValue, Mark newValue) {
        return life(newValue);
    }

    private Duration life(Mark mark) {
        if (mark.until() == Long.MAX_VALUE) {
            return ExpiryPolicy.INFINITE;
        }
        long end = Math.max(mark.claimedAt() + interval.toMillis(), mark.until());
        return Duration.ofMillis(Math.max(interval.toMillis(), end - timeSource.getTimeMillis()));
    }
}
