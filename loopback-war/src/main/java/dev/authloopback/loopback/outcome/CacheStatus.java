package dev.authloopback.loopback.outcome;

/**
 * How the cache produced a caller's answer: the value of the {@value #HEADER} answer header, and
 * the {@code cache} label of {@code loopback_answers_total}.
 */
public enum CacheStatus {
    /** Served from the cache, fresh. */
    HIT,
    /** This request made the upstream call. */
    MISS,
    /** Waited for another request's upstream call for the same key and shared its outcome. */
    COALESCED,
    /** Upstream failed after freshness ended; served the old token, still valid. */
    STALE,
    /** Method not cached ({@code pass-methods}): passed through. */
    BYPASS,
    /**
     * No answer to give: the upstream call failed and no stored token could stand in, so the caller
     * got 502/504 problem JSON. Counted, never sent in the header.
     */
    FAILED;

    public static final String HEADER = "X-Loopback-Cache";
}
