package dev.authloopback.loopback.outcome;

/** The value of the {@code X-Loopback-Cache} answer header. */
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
    BYPASS;

    public static final String HEADER = "X-Loopback-Cache";
}
