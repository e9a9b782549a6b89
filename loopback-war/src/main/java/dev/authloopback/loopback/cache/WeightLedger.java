package dev.authloopback.loopback.cache;

import dev.authloopback.loopback.config.MemorySettings;
import org.ehcache.Cache;
import org.ehcache.event.CacheEvent;
import org.ehcache.event.CacheEventListener;

import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The web app's one byte budget for cached entries ({@code max-cache-bytes}), shared by every
 * profile's heap store, and the exact count of what they hold.
 *
 * <p><b>Exact, not estimated.</b> An entry weighs {@link #weightOf}: its body, key and strings plus a
 * fixed overhead ({@link MemorySettings#ENTRY_OVERHEAD_BYTES}); nothing walks object graphs. The
 * ledger learns of every entry from Ehcache itself: each profile's cache has a synchronous, ordered
 * {@link CacheEventListener} ({@link #listenerFor}) for CREATED, UPDATED, REMOVED, EXPIRED and
 * EVICTED, which runs on the thread of the operation before it returns. It keeps one record per
 * entry; a record is dropped only if it still names the value the event names, so an entry that goes
 * twice (expired by a reader while a clear or a weight eviction removes it) is subtracted once.
 *
 * <p><b>Admission.</b> Every store goes through {@link #store}, one at a time for the web app (a
 * lock held only by writers, which run after an upstream call, never by a cache hit): entries are
 * evicted, soonest-expiring first (then oldest), from any profile, until the new one fits, and only
 * then is it put. Other threads only ever take entries out, so the bytes held never exceed the budget.
 * Listeners never take the lock, so an Ehcache operation waiting for its key's lock never waits for
 * a writer that waits for it.
 */
public final class WeightLedger {
    /** Eviction order: the token that stops being valid soonest, then the one stored first. */
    private static final Comparator<Held> VICTIM_ORDER =
            Comparator.comparingLong(Held::validUntil).thenComparingLong(Held::sequence);

    private final long budget;
    private final ReentrantLock admission = new ReentrantLock();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentSkipListSet<Held> victims = new ConcurrentSkipListSet<>(VICTIM_ORDER);
    private final Map<String, Profile> profiles = new ConcurrentHashMap<>();

    /** One entry as the ledger knows it. {@code token} is the very object in the heap tier. */
    private record Held(Profile profile, String key, CachedToken token, long weight, long validUntil, long sequence) {
    }

    /** A profile's records and counters. */
    private static final class Profile {
        final String name;
        final ConcurrentHashMap<String, Held> records = new ConcurrentHashMap<>();
        final AtomicLong bytes = new AtomicLong();
        final LongAdder weightEvictions = new LongAdder();
        volatile Cache<String, CachedToken> cache;

        Profile(String name) {
            this.name = name;
        }
    }

    public WeightLedger(long budget) {
        if (budget <= 0) {
            throw new IllegalArgumentException("budget must be > 0");
        }
        this.budget = budget;
    }

    /** The weight of an entry under {@code key}: the rule of README "Memory". */
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
        Profile p = profiles.computeIfAbsent(profile, Profile::new);
        return event -> onEvent(p, event);
    }

    /** The cache the listener of {@code profile} watches, for evictions by weight. */
    void attach(String profile, Cache<String, CachedToken> cache) {
        profiles.computeIfAbsent(profile, Profile::new).cache = cache;
    }

    private void onEvent(Profile profile, CacheEvent<? extends String, ? extends CachedToken> event) {
        switch (event.getType()) {
            case CREATED -> record(profile, event.getKey(), event.getNewValue());
            case UPDATED -> {
                forget(profile, event.getKey(), event.getOldValue());
                record(profile, event.getKey(), event.getNewValue());
            }
            case REMOVED, EXPIRED, EVICTED -> forget(profile, event.getKey(), event.getOldValue());
            default -> {
                // No other event types are registered.
            }
        }
    }

    private void record(Profile profile, String key, CachedToken token) {
        Held entry = new Held(profile, key, token, weightOf(key, token), token.validUntil(), sequence.incrementAndGet());
        Held previous = profile.records.put(key, entry);
        if (previous != null) {
            drop(previous); // its removal was never told (a clear), or was told as this UPDATED
        }
        victims.add(entry);
        profile.bytes.addAndGet(entry.weight());
        held.addAndGet(entry.weight());
    }

    private void forget(Profile profile, String key, CachedToken token) {
        Held entry = profile.records.get(key);
        if (entry != null && entry.token() == token && profile.records.remove(key, entry)) {
            drop(entry);
        }
    }

    /** Called once per record, by whoever took it out of {@code records}. */
    private void drop(Held entry) {
        victims.remove(entry);
        entry.profile().bytes.addAndGet(-entry.weight());
        held.addAndGet(-entry.weight());
    }

    /**
     * Puts {@code token} into the cache of {@code profile} once there is room for it, evicting other
     * entries (any profile's, soonest-expiring first) as needed.
     *
     * @return false when the entry alone is heavier than the whole budget: it is not stored
     */
    boolean store(String profile, Cache<String, CachedToken> cache, String key, CachedToken token) {
        long weight = weightOf(key, token);
        if (weight > budget) {
            return false;
        }
        admission.lock();
        try {
            Profile own = profiles.get(profile);
            while (held.get() - replacedWeight(own, key) + weight > budget) {
                Held victim = victims.pollFirst();
                if (victim == null) {
                    break; // nothing left to evict: held is 0, and weight <= budget
                }
                evict(victim);
            }
            cache.put(key, token);
            return true;
        } finally {
            admission.unlock();
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
        admission.lock();
        try {
            cache.clear();
            Profile p = profiles.get(profile);
            if (p != null) {
                for (Held entry : p.records.values()) {
                    if (p.records.remove(entry.key(), entry)) {
                        drop(entry);
                    }
                }
            }
        } finally {
            admission.unlock();
        }
    }

    /** Bytes held by every profile's entries now. */
    public long held() {
        return held.get();
    }

    /** Bytes held by one profile's entries now. */
    public long held(String profile) {
        Profile p = profiles.get(profile);
        return p == null ? 0 : p.bytes.get();
    }

    public long budget() {
        return budget;
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
