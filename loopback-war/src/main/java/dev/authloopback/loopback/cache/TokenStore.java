package dev.authloopback.loopback.cache;

/**
 * Where one profile's tokens live: this node's heap ({@link LocalTokenStore}), or a clustered tier
 * shared by every node, which falls back to a heap store of its own while the cluster is away.
 * Besides the entries, a store holds what must be agreed on by every node that shares it: who
 * fetches a cold key (leases) and when a key was last force-refreshed or the store last emptied (the
 * eviction rate limits).
 */
public interface TokenStore {

    CachedToken get(String key);

    /**
     * Stores the entry (making room for it in this node's byte budget first, when it lives on the heap).
     *
     * @return false when it was not stored: heavier than the whole budget
     */
    boolean put(String key, CachedToken token);

    /** Removes the entry only if it still is {@code expected}: a late eviction never drops a newer token. */
    boolean remove(String key, CachedToken expected);

    void clear();

    /** Every live entry, read at scrape time for the entry gauges; never on the request path. */
    EntryStats stats(long now);

    long size();

    /**
     * Claims the one eviction of {@code key} allowed per {@code intervalMillis}, for every node
     * sharing this store.
     *
     * @return false when another eviction of the key was claimed less than the interval ago
     */
    boolean claimEviction(String key, long now, long intervalMillis);

    /**
     * Claims the one evict-all of this store allowed per {@code intervalMillis}, for every node sharing
     * it. The claim outlives {@link #clear()}: it is what keeps the next evict-all away.
     *
     * @return 0 when claimed; otherwise the milliseconds until the running claim ends
     */
    long claimEvictAll(long now, long intervalMillis);

    /** Gives back a claim whose eviction did not happen (the entry had changed meanwhile). */
    void releaseEviction(String key, long claimedAt);

    /**
     * Asks to be the one caller of the upstream for {@code key} until {@code mine} ends.
     *
     * @return {@code mine} when granted (always, for a store no other node shares); otherwise the
     * other node's lease, still running
     */
    Lease lease(String key, Lease mine);

    /** Ends a granted lease early: the value is stored (or the call failed), waiters need not wait on. */
    void release(String key, Lease mine);

    /** Whether other nodes see this store's entries right now (a clustered tier that is connected). */
    boolean shared();

    /**
     * Exchange profiles: notes, where other nodes see it, that the entry under {@code key} (ending at
     * {@code endsAt}) was made from a token of these subjects ({@code ExchangeProfile#subjects}), so a
     * back-channel logout received by any node finds it. A store of this node's heap alone has no
     * such index (the profile's own {@code SubjectIndex} covers what it stored).
     */
    default void indexSubjects(java.util.List<String> subjects, String key, long endsAt) {
    }

    /** Removes these subjects from the shared index and returns the keys it named (none for a local store). */
    default java.util.List<String> takeSubjects(java.util.List<String> subjects) {
        return java.util.List.of();
    }
}
