package dev.authloopback.loopback.cache;

import java.time.Duration;

/**
 * The expiry rule of DESIGN.md: lifetime = {@code expires_in} (or {@code ttl} when absent);
 * skew = min(expiry-skew, lifetime / 10), so short-lived tokens still cache; fresh for
 * min(ttl, lifetime − skew); valid (the limit even for stale-if-error) for lifetime − skew.
 * An answer without {@code expires_in} is fresh and valid for exactly {@code ttl}.
 */
public final class TokenLifetime {
    private final Duration ttl;
    private final Duration maxSkew;
    private final double refreshAhead;

    public TokenLifetime(Duration ttl, Duration maxSkew, double refreshAhead) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be > 0");
        }
        if (maxSkew.isNegative()) {
            throw new IllegalArgumentException("maxSkew must be >= 0");
        }
        this.ttl = ttl;
        this.maxSkew = maxSkew;
        this.refreshAhead = refreshAhead;
    }

    /** The times of an entry stored at {@code now}. */
    public record Window(long freshUntil, long validUntil, long refreshFrom) {
    }

    /**
     * @param expiresIn the token's {@code expires_in}, or {@code null} when the answer has none
     * @param jitter    in [0, 1): shrinks the refresh-ahead window by up to half, per entry, so keys
     *                  and nodes do not refresh in lockstep
     */
    public Window windowFor(long now, Duration expiresIn, double jitter) {
        Duration lifetime = expiresIn == null ? ttl : expiresIn;
        // Without expires_in the lifetime is the operator's own conservative ttl, not the token's:
        // no skew is taken off a guess (the answer is cached for exactly ttl).
        Duration skew = expiresIn == null ? Duration.ZERO : min(maxSkew, lifetime.dividedBy(10));
        Duration valid = lifetime.minus(skew);
        Duration fresh = min(ttl, valid);
        long freshMillis = millis(fresh);
        long windowMillis = (long) (freshMillis * refreshAhead * (1.0 - jitter / 2.0));
        long refreshFrom = refreshAhead <= 0 ? Long.MAX_VALUE : plus(now, freshMillis - windowMillis);
        return new Window(plus(now, freshMillis), plus(now, millis(valid)), refreshFrom);
    }

    /** Saturating: no lifetime (however configured or answered) can make the arithmetic throw. */
    private static long millis(Duration d) {
        return d.getSeconds() >= Long.MAX_VALUE / 1000 - 1 ? Long.MAX_VALUE / 2 : d.toMillis();
    }

    private static long plus(long now, long millis) {
        long sum = now + millis;
        return ((now ^ sum) & (millis ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
