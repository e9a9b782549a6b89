package dev.authloopback.loopback.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The web app's cap on bytes in flight ({@code max-bytes-in-flight}): request bodies that are still
 * arriving and upstream answers being received and written back. A hostile caller can start many
 * such transfers at once; each one reserves its bytes here first, and a transfer that does not fit
 * is refused (503 {@code busy}) instead of filling the heap; the refusals are counted per profile by
 * whoever was refused. Cached entries are not counted here:
 * the cache has its own budget ({@code max-cache-bytes}).
 *
 * <p>One compare-and-set per reservation, and never on the path of a cache hit.
 */
public final class InFlightBytes {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public InFlightBytes(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0");
        }
        this.limit = limit;
    }

    /**
     * Reserves {@code bytes} if they fit under the limit.
     *
     * @return a reservation to release once the bytes are no longer held, or {@code null} when they do not fit
     */
    public Reservation tryReserve(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0");
        }
        return grow(bytes) ? new Reservation(this, bytes) : null;
    }

    /** Adds {@code bytes} if they fit; the one place the limit is checked. */
    boolean grow(long bytes) {
        long current;
        do {
            current = held.get();
            if (bytes > limit - current) {
                return false;
            }
        } while (!held.compareAndSet(current, current + bytes));
        return true;
    }

    void shrink(long bytes) {
        held.addAndGet(-bytes);
    }

    /** Bytes reserved now. */
    public long held() {
        return held.get();
    }

    public long limit() {
        return limit;
    }
}
