package dev.authloopback.loopback.cache;

import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exchange profiles' entries (one per active user token) are admitted against
 * {@code max-exchange-cache-bytes} and evict only each other: a flood of users never takes the room
 * of the service tokens in {@code max-cache-bytes}, nor the other way round. Real Ehcache caches,
 * the injected clock, real threads.
 */
class ExchangeBudgetTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private TokenCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    /** Profiles "default" and "partner" share {@code serviceBudget}; "obo" and "obo2" have {@code exchangeBudget}. */
    private TokenCache cache(long serviceBudget, long exchangeBudget) {
        Map<String, ProfileLimits> limits = new LinkedHashMap<>();
        for (String profile : List.of("default", "partner", "obo", "obo2")) {
            limits.put(profile, new ProfileLimits(100_000, Duration.ofHours(8), Duration.ofSeconds(5)));
        }
        cache = new TokenCache(new ClockTimeSource(clock), limits, serviceBudget, exchangeBudget, Set.of("obo", "obo2"));
        return cache;
    }

    private CachedToken token(int bodyBytes, Duration validFor) {
        long now = clock.millis();
        return new CachedToken(200, "application/json", new byte[bodyBytes], "digest-" + bodyBytes, "\"etag\"", now,
                now + validFor.toMillis(), now + validFor.toMillis(), now + validFor.toMillis());
    }

    private static long weighed(LocalTokenStore... stores) {
        long sum = 0;
        for (LocalTokenStore store : stores) {
            for (String key : store.keys()) {
                CachedToken token = store.get(key);
                if (token != null) {
                    sum += WeightLedger.weightOf(key, token);
                }
            }
        }
        return sum;
    }

    @Test
    void aFloodOfUsersEvictsOnlyExchangeEntriesEvenWhenTheServiceTokensExpireSooner() {
        TokenCache tokens = cache(20_000, 30_000);
        LocalTokenStore service = tokens.forProfile("default");
        LocalTokenStore users = tokens.forProfile("obo");
        // Service tokens that end in a minute: in one shared budget they would be the first victims.
        for (int i = 0; i < 10; i++) {
            assertTrue(service.put("service-" + i, token(1_000, Duration.ofMinutes(1))));
        }
        long serviceHeld = tokens.ledger().heldByServices();

        for (int user = 0; user < 500; user++) {
            assertTrue(users.put("user-" + user, token(1_200, Duration.ofHours(1))));
        }

        for (int i = 0; i < 10; i++) {
            assertNotNull(service.get("service-" + i), "service token " + i + " kept");
        }
        assertEquals(0, tokens.ledger().weightEvictions("default"));
        assertEquals(serviceHeld, tokens.ledger().heldByServices());
        assertTrue(tokens.ledger().heldByExchanges() <= 30_000, "exchange entries within their own budget");
        assertTrue(tokens.ledger().weightEvictions("obo") > 400, "the users evicted each other");
        assertEquals(weighed(users), tokens.ledger().heldByExchanges());
        assertEquals(tokens.ledger().heldByServices() + tokens.ledger().heldByExchanges(), tokens.ledger().held());
    }

    @Test
    void serviceTokensUnderPressureNeverEvictTheUsersEntries() {
        TokenCache tokens = cache(20_000, 30_000);
        LocalTokenStore users = tokens.forProfile("obo");
        for (int user = 0; user < 10; user++) {
            assertTrue(users.put("user-" + user, token(1_200, Duration.ofSeconds(30))));
        }
        LocalTokenStore service = tokens.forProfile("partner");
        for (int i = 0; i < 200; i++) {
            assertTrue(service.put("service-" + i, token(1_000, Duration.ofHours(1))));
        }

        assertEquals(10, users.size());
        assertEquals(0, tokens.ledger().weightEvictions("obo"));
        assertTrue(tokens.ledger().weightEvictions("partner") > 0);
        assertTrue(tokens.ledger().heldByServices() <= 20_000);
    }

    @Test
    void anExchangeEntryHeavierThanItsOwnBudgetIsNotStoredThoughTheServiceBudgetIsLarger() {
        TokenCache tokens = cache(1 << 20, 4_000);

        assertTrue(!tokens.forProfile("obo").put("user", token(5_000, Duration.ofHours(1))));
        assertTrue(tokens.forProfile("default").put("service", token(5_000, Duration.ofHours(1))));
        assertEquals(0, tokens.ledger().heldByExchanges());
        assertEquals(4_000, tokens.ledger().exchangeBudget());
        assertEquals(1 << 20, tokens.ledger().budget());
    }

    @Test
    void concurrentUserFloodAndServiceWritersKeepEachBudgetAndNeverEvictAServiceToken() throws Exception {
        long serviceBudget = 60_000;
        long exchangeBudget = 40_000;
        TokenCache tokens = cache(serviceBudget, exchangeBudget);
        WeightLedger ledger = tokens.ledger();
        List<LocalTokenStore> exchangeStores = List.of(tokens.forProfile("obo"), tokens.forProfile("obo2"));
        List<LocalTokenStore> serviceStores = List.of(tokens.forProfile("default"), tokens.forProfile("partner"));
        int floodWriters = 4;
        int serviceWriters = 2;
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch writersDone = new CountDownLatch(floodWriters + serviceWriters);
        CountDownLatch done = new CountDownLatch(floodWriters + serviceWriters + 1);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong highestExchange = new AtomicLong();
        AtomicLong highestService = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < floodWriters; w++) {
            int writer = w;
            threads.add(new Thread(() -> run(start, done, writersDone, failure, () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 3_000; i++) {
                    // Every user token a new key, many ending before the service tokens do.
                    exchangeStores.get((writer + i) % 2).put("user-" + writer + "-" + i,
                            token(random.nextInt(800, 2_000), Duration.ofSeconds(random.nextInt(5, 600))));
                }
            })));
        }
        // 40 service keys of at most 1,400 bytes: all of them fit in the service budget together.
        for (int w = 0; w < serviceWriters; w++) {
            int writer = w;
            threads.add(new Thread(() -> run(start, done, writersDone, failure, () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 2_000; i++) {
                    serviceStores.get(writer).put("service-" + random.nextInt(20),
                            token(random.nextInt(200, 800), Duration.ofSeconds(random.nextInt(600, 3600))));
                }
            })));
        }
        threads.add(new Thread(() -> run(start, done, null, failure, () -> {
            while (writing.get()) {
                highestExchange.accumulateAndGet(ledger.heldByExchanges(), Math::max);
                highestService.accumulateAndGet(ledger.heldByServices(), Math::max);
            }
        })));
        threads.forEach(Thread::start);
        start.countDown();
        boolean finished = writersDone.await(60, TimeUnit.SECONDS);
        writing.set(false);
        assertTrue(finished, "every writer finished");
        assertTrue(done.await(30, TimeUnit.SECONDS), "the sampler finished");
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }

        assertTrue(highestExchange.get() <= exchangeBudget, "exchange bytes at every sample: " + highestExchange.get());
        assertTrue(highestService.get() <= serviceBudget, "service bytes at every sample: " + highestService.get());
        assertEquals(0, ledger.weightEvictions("default") + ledger.weightEvictions("partner"),
                "no service token was evicted for a user's entry");
        assertEquals(40, serviceStores.get(0).size() + serviceStores.get(1).size(), "every service key still held");
        assertTrue(ledger.weightEvictions("obo") + ledger.weightEvictions("obo2") > 10_000,
                "the flood evicted its own entries: " + (ledger.weightEvictions("obo") + ledger.weightEvictions("obo2")));
        assertEquals(weighed(exchangeStores.get(0), exchangeStores.get(1)), ledger.heldByExchanges(), "exact");
        assertEquals(weighed(serviceStores.get(0), serviceStores.get(1)), ledger.heldByServices(), "exact");
        assertEquals(exchangeStores.get(0).size() + exchangeStores.get(1).size()
                + serviceStores.get(0).size() + serviceStores.get(1).size(), ledger.records());
    }

    private static void run(CountDownLatch start, CountDownLatch done, CountDownLatch writerDone,
                            AtomicReference<Throwable> failure, Runnable work) {
        try {
            if (start.await(30, TimeUnit.SECONDS)) {
                work.run();
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            if (writerDone != null) {
                writerDone.countDown();
            }
            done.countDown();
        }
    }
}
