package dev.authloopback.loopback.cache;

import org.ehcache.core.spi.time.TimeSource;

import java.time.Clock;

/** Lets Ehcache's expiry run on the same injected clock as the rest of the loopback. */
public final class ClockTimeSource implements TimeSource {
    private final Clock clock;

    public ClockTimeSource(Clock clock) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
    }

    @Override
    public long getTimeMillis() {
        return clock.millis();
    }
}
