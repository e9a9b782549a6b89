package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.EntryStats;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.LocalTokenStore;
import dev.authloopback.loopback.cache.TokenStore;
import org.ehcache.Cache;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One profile's tokens in the clustered tier, shared by every node; while the tier is unreachable,
 * in this node's heap ({@code local}). Every operation first asks the tier for the live connection:
 * when there is none the local store answers at once, so an outage known to the node never delays
 * a request by a cluster timeout. A failing clustered operation reports the outage and is answered
 * by the local store as well.
 *
 * <p>In the cluster, entries are named by {@link Seal#name} of their local key and their values are
 * sealed ({@link SealedSerializer}). What this node reads from there is used only when it opened,
 * was sealed for the entry it was read from, and is not older than what this node has seen of that
 * entry nor than the entry's last eviction or the last evict-all ({@link ReplayGuard} and the
 * marks in the cluster). Anything else is absent: counted and logged ({@link Refusals}), and
 * removed or overwritten, so a value that does not open never blocks a lease or an eviction.
 */
public final class ClusteredTokenStore implements TokenStore {
    /** Local keys start with the profile's name, never with NUL: this one names the evict-all mark. */
    private static final String ALL_ENTRIES = "\u0000all-entries";
    /** Likewise the evict-all claim: a lease in the leases cache, gone at its deadline, which {@link #clear()} leaves alone. */
    private static final String EVICT_ALL_CLAIM = "\u0000evict-all";

    /** Tries of a compare-and-swap on a subject's index before this node gives up on it. */
    private static final int INDEX_ATTEMPTS = 8;

    private final String profile;
    private final ClusterTier tier;
    private final ClusterWalks walks;
    private final LocalTokenStore local;
    private final ClusterKeys keys;
    private final Refusals refusals;
    private final ReplayGuard guard;

    ClusteredTokenStore(String profile, ClusterTier tier, ClusterWalks walks, LocalTokenStore local, ClusterKeys keys,
                        Refusals refusals, long maxEntries) {
        this.profile = profile;
        this.tier = tier;
        this.walks = walks;
        this.local = local;
        this.keys = keys;
        this.refusals = refusals;
        this.guard = new ReplayGuard(maxEntries);
    }

    String profile() {
        return profile;
    }

    @Override
    public CachedToken get(String key) {
        return on(shared -> token(shared, keys.get().name(key)), () -> local.get(key));
    }

    @Override
    public boolean put(String key, CachedToken token) {
        return on(shared -> {
            // The heap tier over it holds entries by count, sized so that even the largest fill the budget.
            String name = keys.get().name(key);
            guard.saw(name, token.storedAt());
            shared.tokens().put(name, ClusterValue.of(name, token));
            return true;
        }, () -> local.put(key, token));
    }

    @Override
    public boolean remove(String key, CachedToken expected) {
        return on(shared -> {
            String name = keys.get().name(key);
            if (!shared.tokens().remove(name, ClusterValue.of(name, expected))) {
                return false;
            }
            // The refused token, and anything stored before it, must not come back.
            long notBefore = expected.storedAt() + 1;
            guard.evicted(name, notBefore);
            ClusterValue<Mark> held = shared.marks().get(name);
            Mark mark = usable(shared.names().marks(), name, held);
            Mark updated = (mark == null ? new Mark(tier.now(), 0, 0) : mark)
                    .notBefore(notBefore, expected.validUntil());
            shared.marks().put(name, ClusterValue.of(name, updated));
            return true;
        }, () -> local.remove(key, expected));
    }

    @Override
    public void clear() {
        // Local too: entries cached during an outage must not come back when the cluster does.
        local.clear();
        on(shared -> {
            long now = tier.now();
            guard.evictedAll(now);
            String all = keys.get().name(ALL_ENTRIES);
            shared.marks().clear();
            shared.marks().put(all, ClusterValue.of(all, new Mark(now, now, Long.MAX_VALUE)));
            shared.tokens().clear();
            return null;
        }, () -> null);
    }

    /** Read for scrapes and health views: a slow walk of the cluster never counts as an outage. */
    @Override
    public EntryStats stats(long now) {
        return walk(shared -> EntryStats.ofTokens(opened(shared), now), () -> local.stats(now));
    }

    @Override
    public long size() {
        return walk(shared -> (long) opened(shared).size(), local::size);
    }

    @Override
    public boolean claimEviction(String key, long now, long intervalMillis) {
        if (intervalMillis <= 0) {
            return true;
        }
        return on(shared -> {
            String name = keys.get().name(key);
            ClusterValue<Mark> held = shared.marks().putIfAbsent(name, ClusterValue.of(name, new Mark(now, 0, 0)));
            if (held == null) {
                return true;
            }
            Mark last = usable(shared.names().marks(), name, held);
            if (last == null) {
                // A mark that does not open says nothing: overwritten, never obeyed.
                return shared.marks().replace(name, held, ClusterValue.of(name, new Mark(now, 0, 0)));
            }
            // An old mark the expiry has not removed yet: replaced only if nobody else did first.
            return now - last.claimedAt() >= intervalMillis
                    && shared.marks().replace(name, held, ClusterValue.of(name, last.claimedAt(now)));
        }, () -> local.claimEviction(key, now, intervalMillis));
    }

    @Override
    public long claimEvictAll(long now, long intervalMillis) {
        if (intervalMillis <= 0) {
            return 0;
        }
        Lease mine = new Lease("evict-all", now, now + intervalMillis);
        return on(shared -> {
            String name = keys.get().name(EVICT_ALL_CLAIM);
            ClusterValue<Lease> claim = ClusterValue.of(name, mine);
            ClusterValue<Lease> held = shared.leases().putIfAbsent(name, claim);
            if (held == null) {
                return 0L;
            }
            // A claim that does not open holds nothing (counted, then overwritten); an ended one neither.
            Lease other = usable(shared.names().leases(), name, held);
            boolean over = other == null || other.endedAt(now);
            if (over && shared.leases().replace(name, held, claim)) {
                return 0L;
            }
            // Another node's claim, or one replaced under us just now: wait for whichever runs.
            Lease running = over ? usable(shared.names().leases(), name, shared.leases().get(name)) : other;
            return running == null ? 1L : Math.max(1L, running.deadline() - now);
        }, () -> local.claimEvictAll(now, intervalMillis));
    }


    @Override
    public void releaseEviction(String key, long claimedAt) {
        on(shared -> {
            String name = keys.get().name(key);
            ClusterValue<Mark> held = shared.marks().get(name);
            Mark mark = usable(shared.names().marks(), name, held);
            if (mark != null && mark.claimedAt() == claimedAt) {
                if (mark.notBefore() == 0) {
                    shared.marks().remove(name, held);
                } else {
                    shared.marks().replace(name, held, ClusterValue.of(name, mark.claimedAt(0)));
                }
            }
            return null;
        }, () -> {
            local.releaseEviction(key, claimedAt);
            return null;
        });
    }

    @Override
    public Lease lease(String key, Lease mine) {
        return on(shared -> {
            String name = keys.get().name(key);
            ClusterValue<Lease> held = shared.leases().putIfAbsent(name, ClusterValue.of(name, mine));
            if (held == null) {
                return mine;
            }
            Lease other = usable(shared.names().leases(), name, held);
            // A lease that does not open holds nothing; one whose holder ran out of time (crashed, or
            // stuck past its budget) neither: one waiter takes over.
            if ((other == null || other.endedAt(tier.now()))
                    && shared.leases().replace(name, held, ClusterValue.of(name, mine))) {
                return mine;
            }
            // Lost the race to replace it: the caller looks again after a pause.
            return other != null ? other : new Lease("another node", 0, tier.now());
        }, () -> mine);
    }

    @Override
    public void release(String key, Lease mine) {
        on(shared -> {
            String name = keys.get().name(key);
            return shared.leases().remove(name, ClusterValue.of(name, mine));
        }, () -> null);
    }

    @Override
    public boolean shared() {
        return tier.caches(profile) != null;
    }

    /**
     * Adds {@code key} to each subject's index in the cluster. Compare-and-swap, a few tries: nodes
     * storing entries of one user at once must not drop each other's keys. During an outage, or when
     * the tries run out, the key is only in this node's own index.
     */
    @Override
    public void indexSubjects(List<String> subjects, String key, long endsAt) {
        on(shared -> {
            if (shared.subjects() == null) {
                return null;
            }
            long now = tier.now();
            for (String subject : subjects) {
                String name = keys.get().name(subject);
                for (int attempt = 0; attempt < INDEX_ATTEMPTS; attempt++) {
                    ClusterValue<SubjectKeys> held = shared.subjects().get(name);
                    SubjectKeys current = usable(shared.names().subjects(), name, held);
                    ClusterValue<SubjectKeys> next = ClusterValue.of(name,
                            (current == null ? SubjectKeys.NONE : current).with(key, endsAt, now));
                    // A value that does not open is replaced like an absent one: it indexes nothing.
                    if (held == null ? shared.subjects().putIfAbsent(name, next) == null
                            : shared.subjects().replace(name, held, next)) {
                        break;
                    }
                }
            }
            return null;
        }, () -> null);
    }

    @Override
    public List<String> takeSubjects(List<String> subjects) {
        return on(shared -> {
            List<String> taken = new ArrayList<>();
            if (shared.subjects() == null) {
                return taken;
            }
            for (String subject : subjects) {
                String name = keys.get().name(subject);
                for (int attempt = 0; attempt < INDEX_ATTEMPTS; attempt++) {
                    ClusterValue<SubjectKeys> held = shared.subjects().get(name);
                    if (held == null) {
                        break;
                    }
                    // Conditional, so a key another node adds meanwhile is taken on the next try, not lost.
                    if (shared.subjects().remove(name, held)) {
                        SubjectKeys index = usable(shared.names().subjects(), name, held);
                        if (index != null) {
                            index.names().stream().filter(k -> !taken.contains(k)).forEach(taken::add);
                        }
                        break;
                    }
                }
            }
            return taken;
        }, List::of);
    }

    /** Copies this node's outage-time entries into a new connection (never over an entry already there). */
    long offerLocalEntries(SharedCaches fresh) {
        long offered = 0;
        try {
            for (String key : local.keys()) {
                CachedToken token = local.get(key);
                String name = keys.get().name(key);
                if (token != null && fresh.tokens().putIfAbsent(name, ClusterValue.of(name, token)) == null) {
                    guard.saw(name, token.storedAt());
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
     * The token stored under {@code name}, if this node may serve it. A value this node vetted
     * before (the heap tier hands back the same object) is served without a look at the marks.
     */
    private CachedToken token(SharedCaches shared, String name) {
        ClusterValue<CachedToken> held = shared.tokens().get(name);
        if (held == null) {
            return null;
        }
        if (held.vetted()) {
            return held.value();
        }
        CachedToken token = usable(shared.names().tokens(), name, held);
        if (token != null && token.storedAt() < floor(shared, name)) {
            refusals.refused(shared.names().tokens(), Refusal.REPLAYED);
            token = null;
        }
        if (token == null) {
            shared.tokens().remove(name, held);
            return null;
        }
        guard.saw(name, token.storedAt());
        held.vet();
        return token;
    }

    /**
     * Before what a token for {@code name} is a replay: what this node remembers, and the entry's
     * and the profile's marks in the cluster (remembered from now on).
     */
    private long floor(SharedCaches shared, String name) {
        Mark entry = usable(shared.names().marks(), name, shared.marks().get(name));
        if (entry != null && entry.notBefore() > 0) {
            guard.evicted(name, entry.notBefore());
        }
        String all = keys.get().name(ALL_ENTRIES);
        Mark everything = usable(shared.names().marks(), all, shared.marks().get(all));
        if (everything != null && everything.notBefore() > 0) {
            guard.evictedAll(everything.notBefore());
        }
        return guard.floor(name);
    }

    /** The value if it opened and was sealed for {@code name}; otherwise {@code null}, counted. */
    private <V> V usable(String cache, String name, ClusterValue<V> held) {
        if (held == null) {
            return null;
        }
        if (!held.opened()) {
            refusals.refused(cache, held.refusal());
            return null;
        }
        if (!name.equals(held.name())) {
            refusals.refused(cache, Refusal.MOVED);
            return null;
        }
        return held.value();
    }

    /** The tokens that open and sit under their own names; the rest is not counted as entries. */
    private static List<CachedToken> opened(SharedCaches shared) {
        List<CachedToken> tokens = new ArrayList<>();
        for (Cache.Entry<String, ClusterValue<CachedToken>> entry : shared.tokens()) {
            ClusterValue<CachedToken> value = entry.getValue();
            if (value != null && value.opened() && entry.getKey().equals(value.name())) {
                tokens.add(value.value());
            }
        }
        return tokens;
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
