package dev.authloopback.loopback.memory;

/**
 * A transfer did not fit under {@code max-bytes-in-flight}: the loopback is too busy to take it now.
 * The web layer answers 503 {@code urn:authloopback:problem:busy} with {@code Retry-After}; it is
 * never counted as an upstream failure, and nothing is stored. The message names no content.
 */
public final class NoRoomInFlight extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Seconds a refused caller is asked to wait: transfers in flight end within a request's time. */
    public static final int RETRY_AFTER_SECONDS = 1;

    public NoRoomInFlight(String detail) {
        super(detail, null, false, false);
    }
}
