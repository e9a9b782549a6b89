package dev.authloopback.loopback.cluster;

import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.expiry.ExpiryPolicy;

import java.time.Duration;
import java.util.function.Supplier;

/** A subject's index goes when the last entry it names ends: it can evict nothing after that. */
final class SubjectKeysExpiry implements ExpiryPolicy<String, SubjectKeys> {
    private final TimeSource timeSource;

    SubjectKeysExpiry(TimeSource timeSource) {
        this.timeSource = timeSource;
    }

    @Override
    public Duration getExpiryForCreation(String key, SubjectKeys value) {
        return untilLastEnds(value);
    }

    @Override
    public Duration getExpiryForAccess(String key, Supplier<? extends SubjectKeys> value) {
        return null;
    }

    @Override
    public Duration getExpiryForUpdate(String key, Supplier<? extends SubjectKeys> oldValue, SubjectKeys newValue) {
        return untilLastEnds(newValue);
    }

    private Duration untilLastEnds(SubjectKeys keys) {
        return Duration.ofMillis(Math.max(0, keys.endsAt() - timeSource.getTimeMillis()));
    }
}
