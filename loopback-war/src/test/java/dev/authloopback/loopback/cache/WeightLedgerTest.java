package dev.authloopback.loopback.cache;

import dev.authloopback.loopback.config.MemorySettings;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The byte ledger of the heap stores, on real Ehcache caches with the injected clock: its count is
 * exactly the weights of the entries the caches hold after every kind of change, and no store ever
 * makes it exceed the budget, even with many writers at once.
 */
class WeightLedgerTest {
    private static final String KEY_A = "a".repeat(64);
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private TokenCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    private TokenCache cache(long budget, long maxEntries, String... profiles) {
        Map<String, ProfileLimits> limits = new LinkedHashMap<>();
        for (String profile : profiles) {
            limits.put(profile, new ProfileLimits(maxEntries, Duration.ofHours(8), Duration.ofSeconds(5)));
        }
        cache = new TokenCache(new ClockTimeSource(clock), limits, budget);
        return cache;
    }

    private CachedToken token(int bodyBytes, Duration validFor) {
        long now = clock.millis();
        byte[] body = new byte[bodyBytes];
        return new CachedToken(200, "application/json", body, "digest-" + bodyBytes, "\"etag\"", now,
                now + validFor.toMillis(), now + validFor.toMillis(), now + validFor.toMillis());
    }

    private static long weight(String key, CachedToken token) {
        return WeightLedger.weightOf(key, token);
    }

    /** What the caches hold, weighed one by one: the ledger must say exactly this. */
    private static long weighed(LocalTokenStore... stores) {
        long sum = 0;
        for (LocalTokenStore store : stores) {
            for (String key : store.keys()) {
                CachedToken token = store.get(key);
                if (token != null) {
                    sum += weight(key, token);
                }
            }
        }
        return sum;
    }

    @Test
    void anEntryWeighsItsBodyKeyAndStringsPlusTheDocumentedOverhead() {
        CachedToken token = token(1000, Duration.ofHours(1));

        assertEquals(MemorySettings.ENTRY_OVERHEAD_BYTES + 1000 + 64 + "application/json".length()
                + "digest-1000".length() + "\"etag\"".length(), weight(KEY_A, token));
    }

    @Test
    void putReplaceAndRemoveKeepTheCountExact() {
        LocalTokenStore store = cache(1 << 20, 100, "default").forProfile("default");
        WeightLedger ledger = cache.ledger();
        CachedToken first = token(1000, Duration.ofHours(1));

        assertTrue(store.put(KEY_A, first));
        assertEquals(weight(KEY_A, first), ledger.held());
        assertEquals(weight(KEY_A, first), ledger.held("default"));

        CachedToken second = token(3000, Duration.ofHours(1));
        assertTrue(store.put(KEY_A, second));
        assertEquals(weight(KEY_A, second), ledger.held(), "a replaced entry's weight leaves as the new one comes");

        assertFalse(store.remove(KEY_A, first), "a stale conditional remove keeps the newer entry");
        assertEquals(weight(KEY_A, second), ledger.held());
        assertTrue(store.remove(KEY_A, second));
        assertEquals(0, ledger.held());
        assertEquals(0, ledger.records());
    }

    @Test
    void anExpiredEntryLeavesTheCountWhenEhcacheExpiresIt() {
        LocalTokenStore store = cache(1 << 20, 100, "default").forProfile("default");
        CachedToken shortLived = token(500, Duration.ofMinutes(1));
        CachedToken longLived = token(700, Duration.ofHours(1));
        store.put("short", shortLived);
        store.put("long", longLived);

        clock.advance(Duration.ofMinutes(2));
        assertNull(store.get("short"), "expired on the clock");

        assertEquals(weight("long", longLived), cache.ledger().held());
        assertEquals(weighed(store), cache.ledger().held());
    }

    @Test
    void anEntryEvictedByCountLeavesTheCount() {
        LocalTokenStore store = cache(1 << 20, 2, "default").forProfile("default");
        for (int i = 0; i < 10; i++) {
            store.put("key-" + i, token(100 + i, Duration.ofHours(1)));
        }

        assertTrue(store.size() <= 2, "max-entries still holds");
        assertEquals(weighed(store), cache.ledger().held());
        assertEquals(store.size(), cache.ledger().records());
    }

    @Test
    void clearEmptiesTheCountThoughEhcacheTellsNoListener() {
        LocalTokenStore store = cache(1 << 20, 100, "default", "other").forProfile("default");
        LocalTokenStore other = cache.forProfile("other");
        store.put("x", token(100, Duration.ofHours(1)));
        store.put("y", token(200, Duration.ofHours(1)));
        CachedToken kept = token(300, Duration.ofHours(1));
        other.put("z", kept);

        store.clear();

        assertEquals(0, cache.ledger().held("default"));
        assertEquals(weight("z", kept), cache.ledger().held());
        assertEquals(weighed(store, other), cache.ledger().held());
    }

    @Test
    void aFullBudgetEvictsTheSoonestExpiringEntriesOfAnyProfileUntilTheNewOneFits() {
        CachedToken probe = token(4000, Duration.ofHours(1));
        long one = weight("key-0", probe);
        TokenCache tokens = cache(3 * one + one / 2, 100, "default", "other");
        LocalTokenStore store = tokens.forProfile("default");
        LocalTokenStore other = tokens.forProfile("other");
        store.put("key-0", token(4000, Duration.ofHours(3)));
        other.put("key-1", token(4000, Duration.ofHours(1))); // expires first
        store.put("key-2", token(4000, Duration.ofHours(2)));

        assertTrue(store.put("key-3", token(4000, Duration.ofHours(4))));

        assertNull(other.get("key-1"), "the soonest-expiring entry went, though it was another profile's");
        assertNotNull(store.get("key-0"));
        assertNotNull(store.get("key-2"));
        assertNotNull(store.get("key-3"));
        assertEquals(1, tokens.ledger().weightEvictions("other"));
        assertEquals(0, tokens.ledger().weightEvictions("default"));
        assertEquals(3 * one, tokens.ledger().held());
        assertEquals(weighed(store, other), tokens.ledger().held());
    }

    @Test
    void aLargeEntryEvictsAsManySmallOnesAsItNeeds() {
        TokenCache tokens = cache(10_000, 100, "default");
        LocalTokenStore store = tokens.forProfile("default");
        for (int i = 0; i < 8; i++) {
            store.put("small-" + i, token(100, Duration.ofMinutes(10 + i)));
        }
        assertTrue(store.put("large", token(6000, Duration.ofHours(1))));

        assertNotNull(store.get("large"));
        assertTrue(tokens.ledger().held() <= 10_000);
        assertEquals(weighed(store), tokens.ledger().held());
        assertEquals(store.size(), tokens.ledger().records());
        assertEquals(8 - (store.size() - 1), tokens.ledger().weightEvictions("default"));
    }

    @Test
    void anEntryHeavierThanTheWholeBudgetIsNotStored() {
        TokenCache tokens = cache(5_000, 100, "default");
        LocalTokenStore store = tokens.forProfile("default");
        CachedToken small = token(100, Duration.ofHours(1));
        store.put("small", small);

        assertFalse(store.put("huge", token(5_000, Duration.ofHours(1))));

        assertNull(store.get("huge"));
        assertNotNull(store.get("small"), "nothing was evicted for an entry that could never fit");
        assertEquals(weight("small", small), tokens.ledger().held());
    }

    @Test
    void concurrentWritersReadersAndRemoversNeverTakeTheCountOverTheBudgetAndLeaveItExact() throws Exception {
        long budget = 200_000;
        TokenCache tokens = cache(budget, 10_000, "default", "other");
        List<LocalTokenStore> stores = List.of(tokens.forProfile("default"), tokens.forProfile("other"));
        WeightLedger ledger = tokens.ledger();
        int writers = 6;
        int putsEach = 2_000;
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(writers + 2);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong highest = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            threads.add(new Thread(() -> run(start, done, failure, () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < putsEach; i++) {
                    // Keys repeat across writers, so puts also replace each other's entries.
                    String key = "key-" + random.nextInt(400);
                    CachedToken token = token(random.nextInt(50, 9_000), Duration.ofSeconds(random.nextInt(60, 3600)));
                    stores.get((writer + i) % 2).put(key, token);
                }
            })));
        }
        // A reader that removes what it reads and one that clears now and then: both only take entries out.
        threads.add(new Thread(() -> run(start, done, failure, () -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (writing.get()) {
                LocalTokenStore store = stores.get(random.nextInt(2));
                String key = "key-" + random.nextInt(400);
                CachedToken token = store.get(key);
                if (token != null && random.nextInt(4) == 0) {
                    store.remove(key, token);
                }
            }
        })));
        threads.add(new Thread(() -> run(start, done, failure, () -> {
            int round = 0;
            while (writing.get()) {
                highest.accumulateAndGet(ledger.held(), Math::max);
                if (++round % 5_000 == 0) {
                    stores.get(round % 2).clear();
                }
            }
        })));
        threads.forEach(Thread::start);
        start.countDown();
        for (int i = 0; i < writers; i++) {
            threads.get(i).join(TimeUnit.SECONDS.toMillis(60));
        }
        writing.set(false);
        assertTrue(done.await(60, TimeUnit.SECONDS), "every thread finished");
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }

        assertTrue(highest.get() <= budget, "held at most the budget at every sample: " + highest.get());
        assertTrue(ledger.held() <= budget);
        long weighed = weighed(stores.get(0), stores.get(1));
        assertEquals(weighed, ledger.held(), "the count is exactly what the caches hold");
        assertEquals(stores.get(0).size() + stores.get(1).size(), ledger.records());
        assertTrue(ledger.weightEvictions("default") + ledger.weightEvictions("other") > 0,
                "the budget was tight enough to evict by weight");
    }

    private static void run(CountDownLatch start, CountDownLatch done, AtomicReference<Throwable> failure,
                            Runnable work) {
        try {
            if (start.await(30, TimeUnit.SECONDS)) {
                work.run();
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            done.countDown();
        }
    }
}
