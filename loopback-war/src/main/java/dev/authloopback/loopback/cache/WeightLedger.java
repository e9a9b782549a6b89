package dev.authloopback.loopback.cache;

import dev.authloopback.loopback.config.MemorySettings;
import org.ehcache.Cache;
import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.event.CacheEvent;
import org.ehcache.event.CacheEventListener;

import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The web app's byte budgets for cached entries and the exact count of what they hold: one
 * ({@code max-cache-bytes}) shared by every service-token profile's heap store, and one of their own
 * ({@code max-exchange-cache-bytes}) for the exchange profiles, whose entries are one per active user
 * token. Each entry is admitted against, and evicts only within, its profile's budget, so a flood of
 * users can never push out the service tokens every request needs.
 *
 * <p><b>Exact, not estimated.</b> An entry weighs {@link #weightOf}: its body, key and strings plus a
 * fixed overhead ({@link MemorySettings#ENTRY_OVERHEAD_BYTES}); nothing walks object graphs. The
 * ledger keeps one record per entry. Entries come in only through {@link #store}, which records the
 * new entry (and drops the record of the one it replaces) itself, <em>before</em> the put: Ehcache
 * may deliver even a synchronous, ordered listener's CREATED event after {@code put} has returned
 * (seen: a next writer admitted against a count that did not yet hold the previous entry, 3% over
 * the budget), so events are never trusted to add. They only take away: each profile's cache has a
 * listener ({@link #listenerFor}) for UPDATED, REMOVED, EXPIRED and EVICTED, and a record is dropped
 * only if it still names the value the event names, so an entry that goes twice (expired by a reader
 * while a clear or a weight eviction removes it) is subtracted once, and a late event about a value
 * already replaced changes nothing.
 *
 * <p><b>Admission.</b> Every store goes through {@link #store}, one at a time for the web app (a
 * lock held only by writers, which run after an upstream call, never by a cache hit): entries are
 * evicted, soonest-expiring first (then oldest), from any profile of the same budget, until the new
 * one fits, and only then is it recorded and put. Other threads only ever take entries out, so the
 * bytes held never exceed either budget. Each budget has its own lock, so exchange writers never
 * queue service-token writers. Listeners never take the lock, so an Ehcache operation waiting for its key's
 * lock never waits for a writer that waits for it.
 */
public final class WeightLedger {
    /** Eviction order: the token that stops being valid soonest, then the one stored first. */
    private static final Comparator<Held> VICTIM_ORDER =
            Comparator.comparingLong(Held::validUntil).thenComparingLong(Held::sequence);

    private final TimeSource timeSource;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, Profile> profiles = new ConcurrentHashMap<>();
    /** {@code max-cache-bytes}: every profile but the exchange profiles. */
    private final Pool services;
    /** {@code max-exchange-cache-bytes}: the exchange profiles; {@code null} when there are none. */
    private final Pool exchanges;
    private final Set<String> exchangeProfiles;

    /** One entry as the ledger knows it. {@code token} is the very object in the heap tier. */
    private record Held(Profile profile, String key, CachedToken token, long weight, long validUntil, long sequence) {
    }

    /** A byte budget, the bytes its profiles hold, and their entries in eviction order. */
    private static final class Pool {
        final long budget;
        final ReentrantLock admission = new ReentrantLock();
        final AtomicLong held = new AtomicLong();
        final ConcurrentSkipListSet<Held> victims = new ConcurrentSkipListSet<>(VICTIM_ORDER);

        Pool(long budget) {
            this.budget = budget;
        }
    }

    /** A profile's records and counters. */
    private static final class Profile {
        final String name;
        final Pool pool;
        final ConcurrentHashMap<String, Held> records = new ConcurrentHashMap<>();
        final AtomicLong bytes = new AtomicLong();
        final LongAdder weightEvictions = new LongAdder();
        volatile Cache<String, CachedToken> cache;

        Profile(String name, Pool pool) {
            this.name = name;
            this.pool = pool;
        }
    }

    /** One budget for every profile (no exchange profiles). */
    public WeightLedger(long budget, TimeSource timeSource) {
        this(budget, 0, Set.of(), timeSource);
    }

    /**
     * @param budget           {@code max-cache-bytes}, for every profile not in {@code exchangeProfiles}
     * @param exchangeBudget   {@code max-exchange-cache-bytes}, for the profiles in {@code exchangeProfiles}
     *                         (ignored when there are none)
     * @param exchangeProfiles names of the exchange profiles
     */
    public WeightLedger(long budget, long exchangeBudget, Set<String> exchangeProfiles, TimeSource timeSource) {
        if (budget <= 0) {
            throw new IllegalArgumentException("budget must be > 0");
        }
        if (!exchangeProfiles.isEmpty() && exchangeBudget <= 0) {
            throw new IllegalArgumentException("exchangeBudget must be > 0 with exchange profiles");
        }
        this.services = new Pool(budget);
        this.exchangeProfiles = Set.copyOf(exchangeProfiles);
        this.exchanges = exchangeProfiles.isEmpty() ? null : new Pool(exchangeBudget);
        this.timeSource = timeSource;
    }

    private Profile profile(String name) {
        return profiles.computeIfAbsent(name, n -> new Profile(n, exchangeProfiles.contains(n) ? exchanges : services));
    }

    /** The weight of an entry under {@code key}: the rule of docs/operations.md "Memory". */
    public static long weightOf(String key, CachedToken token) {
        return MemorySettings.entryWeight(token.body().length, key.length(), length(token.contentType()),
                length(token.requestDigest()), length(token.etag()));
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /**
     * The listener for a profile's cache, registered synchronous and ordered for every event type
     * that adds or takes away an entry.
     */
    CacheEventListener<String, CachedToken> listenerFor(String profile) {
        Profile p = profile(profile);
        return event -> onEvent(p, event);
    }

    /** The cache the listener of {@code profile} watches, for evictions by weight. */
    void attach(String profile, Cache<String, CachedToken> cache) {
        profile(profile).cache = cache;
    }

    private void onEvent(Profile profile, CacheEvent<? extends String, ? extends CachedToken> event) {
        switch (event.getType()) {
            // The new value of an UPDATED was recorded by store(); only the old one may still be recorded.
            case UPDATED, REMOVED, EXPIRED, EVICTED -> forget(profile, event.getKey(), event.getOldValue());
            default -> {
                // CREATED is not registered: store() records before it puts.
            }
        }
    }

    private void record(Profile profile, String key, CachedToken token, long weight) {
        Held entry = new Held(profile, key, token, weight, token.validUntil(), sequence.incrementAndGet());
        Held previous = profile.records.put(key, entry);
        if (previous != null) {
            drop(previous); // the entry this put replaces; its UPDATED event will find nothing to drop
        }
        profile.pool.victims.add(entry);
        profile.bytes.addAndGet(entry.weight());
        profile.pool.held.addAndGet(entry.weight());
    }

    private void forget(Profile profile, String key, CachedToken token) {
        Held entry = profile.records.get(key);
        if (entry != null && entry.token() == token && profile.records.remove(key, entry)) {
            drop(entry);
        }
    }

    /** Called once per record, by whoever took it out of {@code records}. */
    private static void drop(Held entry) {
        Pool pool = entry.profile().pool;
        pool.victims.remove(entry);
        entry.profile().bytes.addAndGet(-entry.weight());
        pool.held.addAndGet(-entry.weight());
    }

    /**
     * Puts {@code token} into the cache of {@code profile} once there is room for it in the profile's
     * budget, evicting other entries (of any profile of that budget, soonest-expiring first) as needed.
     *
     * @return false when the entry alone is heavier than the whole budget: it is not stored
     */
    boolean store(String profile, Cache<String, CachedToken> cache, String key, CachedToken token) {
        long weight = weightOf(key, token);
        Profile own = profile(profile);
        Pool pool = own.pool;
        if (weight > pool.budget) {
            return false;
        }
        if (token.validUntil() <= timeSource.getTimeMillis()) {
            // The expiry policy keeps nothing already invalid; the put only takes out the old entry
            // (its event drops its record). A record made for it would never be dropped.
            cache.put(key, token);
            return true;
        }
        pool.admission.lock();
        try {
            while (pool.held.get() - replacedWeight(own, key) + weight > pool.budget) {
                Held victim = pool.victims.pollFirst();
                if (victim == null) {
                    break; // nothing left to evict: held is 0, and weight <= budget
                }
                evict(victim);
            }
            // Recorded before the put, so a reader that removes the new entry at once finds its record.
            record(own, key, token, weight);
            cache.put(key, token);
            return true;
        } finally {
            pool.admission.unlock();
        }
    }

    /**
     * The weight of the entry a put of {@code key} replaces, which leaves as the new one comes in: as
     * long as it is recorded, {@link #held} includes it, and whether it then expires or is replaced,
     * its weight goes.
     */
    private static long replacedWeight(Profile own, String key) {
        Held replaced = own == null ? null : own.records.get(key);
        return replaced == null ? 0 : replaced.weight();
    }

    /** Takes one entry out for its weight; its REMOVED event (or this, if it went meanwhile) drops the record. */
    private void evict(Held victim) {
        Cache<String, CachedToken> cache = victim.profile().cache;
        boolean removed = cache != null && cache.remove(victim.key(), victim.token());
        if (removed) {
            victim.profile().weightEvictions.increment();
        }
        // Gone meanwhile (expired under a reader, or cleared): its record goes now if no event took it.
        if (victim.profile().records.remove(victim.key(), victim)) {
            drop(victim);
        }
    }

    /**
     * Empties a profile's cache: Ehcache's {@code clear()} tells no listener, so its records go here,
     * under the admission lock so no store of the profile interleaves.
     */
    void clear(String profile, Cache<String, CachedToken> cache) {
        Profile p = profile(profile);
        p.pool.admission.lock();
        try {
            cache.clear();
            for (Held entry : p.records.values()) {
                if (p.records.remove(entry.key(), entry)) {
                    drop(entry);
                }
            }
        } finally {
            p.pool.admission.unlock();
        }
    }

    /** Bytes held by every profile's entries now, both budgets together. */
    public long held() {
        return services.held.get() + (exchanges == null ? 0 : exchanges.held.get());
    }

    /** Bytes held now against {@code max-cache-bytes}: the entries of every profile but the exchange profiles. */
    public long heldByServices() {
        return services.held.get();
    }

    /** Bytes held now against {@code max-exchange-cache-bytes}: the exchange profiles' entries. */
    public long heldByExchanges() {
        return exchanges == null ? 0 : exchanges.held.get();
    }

    /** Bytes held by one profile's entries now. */
    public long held(String profile) {
        Profile p = profiles.get(profile);
        return p == null ? 0 : p.bytes.get();
    }

    /** {@code max-cache-bytes}: the budget of every profile but the exchange profiles. */
    public long budget() {
        return services.budget;
    }

    /** {@code max-exchange-cache-bytes}, or 0 without exchange profiles. */
    public long exchangeBudget() {
        return exchanges == null ? 0 : exchanges.budget;
    }

    /** Entries of {@code profile} evicted to make room for another entry, since start. */
    public long weightEvictions(String profile) {
        Profile p = profiles.get(profile);
        return p == null ? 0 : p.weightEvictions.sum();
    }

    /** Entries the ledger holds a record of (for tests: equal to the caches' entries). */
    long records() {
        long n = 0;
        for (Profile p : profiles.values()) {
            n += p.records.size();
        }
        return n;
    }
}
