package dev.authloopback.loopback.cache;

import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.expiry.ExpiryPolicy;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Per-entry expiry: an entry lives until its token stops being valid (lifetime − skew), and an entry
 * nobody reads for {@code tti} goes sooner. Freshness (HIT vs. refetch) is decided by the proxy on
 * the same clock; keeping the entry until {@code validUntil} is what makes stale-if-error possible.
 */
public final class TokenExpiryPolicy implements ExpiryPolicy<String, CachedToken> {
    private final TimeSource timeSource;
    private final Duration tti;

    public TokenExpiryPolicy(TimeSource timeSource, Duration tti) {
        this.timeSource = java.util.Objects.requireNonNull(timeSource, "timeSource");
        if (tti.isNegative() || tti.isZero()) {
            throw new IllegalArgumentException("tti must be > 0");
        }
        this.tti = tti;
    }

    @Override
    public Duration getExpiryForCreation(String key, CachedToken value) {
        return remaining(value);
    }

    @Override
    public Duration getExpiryForAccess(String key, Supplier<? extends CachedToken> value) {
        return remaining(value.get());
    }

    @Override
    public Duration getExpiryForUpdate(String key, Supplier<? extends CachedToken> oldValue, CachedToken newValue) {
        return remaining(newValue);
    }

    private Duration remaining(CachedToken value) {
        long untilInvalid = value.validUntil() - timeSource.getTimeMillis();
        if (untilInvalid <= 0) {
            return Duration.ZERO;
        }
        Duration valid = Duration.ofMillis(untilInvalid);
        return valid.compareTo(tti) < 0 ? valid : tti;
    }
}
