package dev.authloopback.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} the test moves by hand, so expiry is proven without sleeping: handed to the
 * classes under test directly, or to a deployed loopback.war or filter as the context attribute
 * their test hook reads (docs/http-contract.md, "Test hooks").
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    public MutableClock(Instant start) {
        this(new AtomicReference<>(start), ZoneOffset.UTC);
    }

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    public static MutableClock startingNow() {
        return new MutableClock(Instant.now());
    }

    /** Moves time forward; never backward, as no clock the code runs on does. */
    public void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("by must be >= 0, was " + by);
        }
        now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** Shares the same mutable instant, so a zone change never forks time. */
    @Override
    public Clock withZone(ZoneId newZone) {
        return new MutableClock(now, newZone);
    }

    @Override
    public String toString() {
        return "MutableClock[" + now.get() + "]";
    }
}
