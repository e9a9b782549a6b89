package dev.authloopback.loopback.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes held from an {@link InFlightBytes} budget by one transfer. It can grow as a body of unknown
 * length arrives, and is released exactly once, however many paths try ({@link #close()} is
 * idempotent), so an error path and a finally block never give back the same bytes twice.
 */
public final class Reservation implements AutoCloseable {
    private final InFlightBytes budget;
    /** Bytes still held; -1 once released. */
    private final AtomicLong bytes;

    Reservation(InFlightBytes budget, long bytes) {
        this.budget = budget;
        this.bytes = new AtomicLong(bytes);
    }

    /**
     * Holds {@code more} bytes as well.
     *
     * @return false when they do not fit (this reservation is unchanged), or it was released already
     */
    public boolean grow(long more) {
        if (more <= 0) {
            return true;
        }
        if (bytes.get() < 0 || !budget.grow(more)) {
            return false;
        }
        if (bytes.getAndUpdate(b -> b < 0 ? b : b + more) < 0) {
            budget.shrink(more); // released meanwhile: nothing may stay held
            return false;
        }
        return true;
    }

    public long bytes() {
        return Math.max(0, bytes.get());
    }

    @Override
    public void close() {
        long held = bytes.getAndSet(-1);
        if (held > 0) {
            budget.shrink(held);
        }
    }
}
