package dev.authloopback.loopback.outcome;

/**
 * How a refresh ahead of expiry ended, lower case the {@code outcome} label of
 * {@code loopback_refreshes_total}. In the last two the old entry, still fresh, stays in use.
 */
public enum RefreshOutcome {
    /** A new token was stored. */
    STORED,
    /** The upstream answered, but nothing storable (an error status, no access token, a bad expires_in). */
    SKIPPED,
    /** The upstream gave no usable answer ({@link UpstreamFailure}). */
    FAILED
}
