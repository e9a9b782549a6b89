package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.EntryStats;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.LocalTokenStore;
import dev.authloopback.loopback.cache.TokenStore;
import org.ehcache.Cache;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One profile's tokens in the clustered tier, shared by every node; while the tier is unreachable,
 * in this node's heap ({@code local}). Every operation first asks the tier for the live connection:
 * when there is none the local store answers at once, so an outage known to the node never delays
 * a request by a cluster timeout. A failing clustered operation reports the outage and is answered
 * by the local store as well.
 */
public final class ClusteredTokenStore implements TokenStore {
    /**
     * The evict-all claim's key in the leases cache. Token keys always hold a colon ({@code profile:…}),
     * so this one never meets a fetch lease; a lease entry goes at its deadline (whatever the eviction
     * marks' time to live is), and {@link #clear()} leaves leases alone.
     */
    static final String EVICT_ALL_CLAIM = "evict-all";

    private final String profile;
    private final ClusterTier tier;
    private final ClusterWalks walks;
    private final LocalTokenStore local;

    ClusteredTokenStore(String profile, ClusterTier tier, ClusterWalks walks, LocalTokenStore local) {
        this.profile = profile;
        this.tier = tier;
        this.walks = walks;
        this.local = local;
    }

    String profile() {
        return profile;
    }

    @Override
    public CachedToken get(String key) {
        return on(shared -> shared.tokens().get(key), () -> local.get(key));
    }

    @Override
    public boolean put(String key, CachedToken token) {
        return on(shared -> {
            // The heap tier over it holds entries by count, sized so that even the largest fill the budget.
            shared.tokens().put(key, token);
            return true;
        }, () -> local.put(key, token));
    }

    @Override
    public boolean remove(String key, CachedToken expected) {
        return on(shared -> shared.tokens().remove(key, expected), () -> local.remove(key, expected));
    }

    @Override
    public void clear() {
        // Local too: entries cached during an outage must not come back when the cluster does.
        local.clear();
        on(shared -> {
            shared.tokens().clear();
            shared.evictions().clear();
            return null;
        }, () -> null);
    }

    /** Read for scrapes and health views: a slow walk of the cluster never counts as an outage. */
    @Override
    public EntryStats stats(long now) {
        return walk(shared -> EntryStats.of(shared.tokens(), now), () -> local.stats(now));
    }

    @Override
    public long size() {
        return walk(shared -> {
            long n = 0;
            for (Cache.Entry<String, CachedToken> ignored : shared.tokens()) {
                n++;
            }
            return n;
        }, local::size);
    }

    @Override
    public boolean claimEviction(String key, long now, long intervalMillis) {
        if (intervalMillis <= 0) {
            return true;
        }
        return on(shared -> {
            Long last = shared.evictions().putIfAbsent(key, now);
            if (last == null) {
                return true;
            }
            // An old mark the expiry has not removed yet: replaced only if nobody else did first.
            return now - last >= intervalMillis && shared.evictions().replace(key, last, now);
        }, () -> local.claimEviction(key, now, intervalMillis));
    }

    @Override
    public long claimEvictAll(long now, long intervalMillis) {
        if (intervalMillis <= 0) {
            return 0;
        }
        Lease mine = new Lease(EVICT_ALL_CLAIM, now, now + intervalMillis);
        return on(shared -> {
            Lease held = shared.leases().putIfAbsent(EVICT_ALL_CLAIM, mine);
            if (held == null || held.endedAt(now) && shared.leases().replace(EVICT_ALL_CLAIM, held, mine)) {
                return 0L;
            }
            // Another node's claim, or one replaced under us just now: wait for whichever runs.
            Lease running = held.endedAt(now) ? shared.leases().get(EVICT_ALL_CLAIM) : held;
            return running == null ? 1L : Math.max(1L, running.deadline() - now);
        }, () -> local.claimEvictAll(now, intervalMillis));
    }

    @Override
    public void releaseEviction(String key, long claimedAt) {
        on(shared -> shared.evictions().remove(key, claimedAt), () -> {
            local.releaseEviction(key, claimedAt);
            return null;
        });
    }

    @Override
    public Lease lease(String key, Lease mine) {
        return on(shared -> {
            Lease held = shared.leases().putIfAbsent(key, mine);
            if (held == null) {
                return mine;
            }
            // The holder ran out of time (crashed, or stuck past its budget): one waiter takes over.
            if (held.endedAt(tier.now()) && shared.leases().replace(key, held, mine)) {
                return mine;
            }
            return held;
        }, () -> mine);
    }

    @Override
    public void release(String key, Lease mine) {
        on(shared -> shared.leases().remove(key, mine), () -> null);
    }

    @Override
    public boolean shared() {
        return tier.caches(profile) != null;
    }

    /** Copies this node's outage-time entries into a new connection (never over an entry already there). */
    long offerLocalEntries(SharedCaches fresh) {
        long offered = 0;
        try {
            for (String key : local.keys()) {
                CachedToken token = local.get(key);
                if (token != null && fresh.tokens().putIfAbsent(key, token) == null) {
                    offered++;
                }
            }
        } catch (RuntimeException e) {
            // The next failed operation will report the outage again; the entries are only a head start.
        }
        return offered;
    }

    /** After rejoining: the cluster is the authority again, and this node's copies would go stale. */
    void dropLocalEntries() {
        local.clear();
    }

    /**
     * For the operator's views: a walk of the clustered tier, answered by the local store instead
     * when it fails or takes longer than the read timeout, and never the reason for a failover (the
     * request path and the probe decide about outages). The walk runs on a thread of its own:
     * a walk caught by the server's death can block until the client's lease ends, and a health
     * probe must not wait that long.
     */
    private <T> T walk(Function<SharedCaches, T> clustered, Supplier<T> fallback) {
        SharedCaches shared = tier.caches(profile);
        if (shared == null) {
            return fallback.get();
        }
        T walked = walks.walk(() -> clustered.apply(shared));
        return walked != null ? walked : fallback.get();
    }

    private <T> T on(Function<SharedCaches, T> clustered, Supplier<T> fallback) {
        SharedCaches shared = tier.caches(profile);
        if (shared != null) {
            try {
                return clustered.apply(shared);
            } catch (RuntimeException e) {
                // ClusterTierFailure from the resilience strategy, or a manager closed under us.
                tier.failed(shared, e);
            }
        }
        return fallback.get();
    }
}
