package dev.authloopback.loopback.proxy;

/** Outcome of a conditional eviction ({@code DELETE} with {@code If-Match}). */
public enum EvictionResult {
    /** 204: the entry held that token and is gone. */
    EVICTED,
    /** 412: the entry holds another (newer) token; it stays. */
    NEWER_TOKEN,
    /** 404: nothing stored for this request. */
    ABSENT,
    /** 429: a forced refresh for this key happened less than min-refresh-interval ago. */
    TOO_SOON
}
