package dev.authloopback.loopback.exchange;

import java.time.Clock;

/**
 * At most {@code perSecond} upstream exchange calls per profile per second (a token bucket holding
 * one second's worth). Counts calls, not requests: hits and coalesced waiters cost nothing. It bounds
 * what valid but distinct subject tokens (many users, or one user's many logins) can make the IdP do.
 */
public final class ExchangeRateLimit {
    private final Clock clock;
    private final double perMilli;
    private final double capacity;
    private double tokens;
    private long last;

    public ExchangeRateLimit(int perSecond, Clock clock) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("perSecond must be > 0");
        }
        this.clock = clock;
        this.capacity = perSecond;
        this.perMilli = perSecond / 1000.0;
        this.tokens = perSecond;
        this.last = clock.millis();
    }

    /** @return true when one more call may go upstream now */
    public synchronized boolean tryAcquire() {
        long now = clock.millis();
        if (now > last) {
            tokens = Math.min(capacity, tokens + (now - last) * perMilli);
            last = now;
        }
        if (tokens >= 1.0) {
            tokens -= 1.0;
            return true;
        }
        return false;
    }
}
