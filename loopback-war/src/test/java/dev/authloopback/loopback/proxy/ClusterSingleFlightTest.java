package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.EntryStats;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.TokenStore;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lease protocol between nodes, on a store two "nodes" share in one JVM (the same operations
 * the clustered tier offers: putIfAbsent, conditional replace and remove). ClusterIT proves it on a
 * real Terracotta server with three web apps.
 */
class ClusterSingleFlightTest {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final String KEY = "k";
    private static final String DIGEST = "d";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));
    private final SharedStore store = new SharedStore(clock);
    private final ClusterSingleFlight nodeA = new ClusterSingleFlight(store, "a", clock, LEASE);
    private final ClusterSingleFlight nodeB = new ClusterSingleFlight(store, "b", clock, LEASE);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private CachedToken token(String name) {
        long now = clock.millis();
        return new CachedToken(200, "application/json", ("{\"access_token\":\"" + name + "\"}")
                .getBytes(StandardCharsets.UTF_8), DIGEST, name, now, now + 60_000, now + 120_000, now + 50_000);
    }

    @Test
    void aWaitingNodeTakesTheHoldersEntryAndNeverCallsUpstream() throws Exception {
        CountDownLatch holderCalling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        Future<String> holder = threads.submit(() -> nodeA.run(KEY, DIGEST, stored -> "shared", () -> {
            calls.incrementAndGet();
            holderCalling.countDown();
            await(release);
            store.put(KEY, token("t1"));
            return "called";
        }));
        assertTrue(holderCalling.await(5, TimeUnit.SECONDS));
        Future<String> waiter = threads.submit(() -> nodeB.run(KEY, DIGEST, stored -> "shared:" + stored.etag(), () -> {
            calls.incrementAndGet();
            return "called";
        }));
        assertFalse(waiter.isDone());
        release.countDown();

        assertEquals("called", holder.get(5, TimeUnit.SECONDS));
        assertEquals("shared:t1", waiter.get(5, TimeUnit.SECONDS));
        assertEquals(1, calls.get());
        assertEquals(0, store.leases.size(), "the holder ended its lease when it was done");
    }

    @Test
    void aWaiterOnAnotherNodeLearnsTheHoldersSpanFromTheLease() throws Exception {
        // Issue 24: the holder's lease names its request's span, so the waiter's COALESCED span links to it.
        String span = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        Lease held = new Lease("a", 1, clock.millis() + LEASE.toMillis(), span);
        store.lease(KEY, held);
        Future<String> waiter = threads.submit(() -> nodeB.run(KEY, DIGEST,
                (stored, holderSpan) -> stored.etag() + " " + holderSpan, () -> "called"));
        assertThrows(java.util.concurrent.TimeoutException.class, () -> waiter.get(100, TimeUnit.MILLISECONDS));
        store.put(KEY, token("t1"));

        assertEquals("t1 " + span, waiter.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aLeaseWhoseHolderDiedIsTakenOverOnceItHasEnded() throws Exception {
        // Node a took the lease and died: nothing will ever be stored or released.
        Lease dead = new Lease("a", 1, clock.millis() + LEASE.toMillis());
        assertEquals(dead, store.lease(KEY, dead));
        AtomicInteger calls = new AtomicInteger();
        Future<String> waiter = threads.submit(() -> nodeB.run(KEY, DIGEST, stored -> "shared", () -> {
            calls.incrementAndGet();
            return "called";
        }));
        // Still waiting while the dead lease runs (time moves only when the test says so).
        assertThrows(java.util.concurrent.TimeoutException.class, () -> waiter.get(200, TimeUnit.MILLISECONDS));
        clock.advance(LEASE.plusMillis(1));

        assertEquals("called", waiter.get(5, TimeUnit.SECONDS));
        assertEquals(1, calls.get());
    }

    @Test
    void aNodeThatGetsTheLeaseJustAfterTheHolderStoredTakesTheEntryInstead() {
        // The holder stored and released between this node's look and its lease: the second look sees it.
        store.lookHook = () -> store.put(KEY, token("t1"));
        String outcome = nodeB.run(KEY, DIGEST, stored -> "shared:" + stored.etag(), () -> "called");
        assertEquals("shared:t1", outcome);
    }

    @Test
    void anotherNodesLeaseThatOutlastsTheWaitEndsInATimeout() {
        // A live lease, renewed by its holder for longer than this node may wait (real time is
        // what the wait is bounded by: a lease length of it).
        ClusterSingleFlight impatient = new ClusterSingleFlight(store, "b", clock, Duration.ofMillis(100));
        Lease held = new Lease("a", 1, clock.millis() + Duration.ofHours(1).toMillis());
        store.lease(KEY, held);
        UpstreamFailure failure = assertThrows(UpstreamFailure.class,
                () -> impatient.run(KEY, DIGEST, stored -> "shared", () -> "called"));
        assertEquals(UpstreamFailure.Kind.TIMEOUT, failure.kind());
        assertTrue(failure.getMessage().contains("node a held the fetch lease"), failure.getMessage());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The clustered tier's operations, on maps two nodes of one JVM share. */
    private static final class SharedStore implements TokenStore {
        private final MutableClock clock;
        private final ConcurrentHashMap<String, CachedToken> tokens = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
        private volatile Runnable lookHook;
        private int looks;

        SharedStore(MutableClock clock) {
            this.clock = clock;
        }

        @Override
        public CachedToken get(String key) {
            if (lookHook != null && ++looks == 2) {
                lookHook.run();
            }
            return tokens.get(key);
        }

        @Override
        public boolean put(String key, CachedToken token) {
            tokens.put(key, token);
            return true;
        }

        @Override
        public boolean remove(String key, CachedToken expected) {
            return tokens.remove(key, expected);
        }

        @Override
        public void clear() {
            tokens.clear();
        }

        @Override
        public EntryStats stats(long now) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long size() {
            return tokens.size();
        }

        @Override
        public boolean claimEviction(String key, long now, long intervalMillis) {
            return true;
        }

        @Override
        public long claimEvictAll(long now, long intervalMillis) {
            throw new UnsupportedOperationException("these tests never evict all");
        }

        @Override
        public void releaseEviction(String key, long claimedAt) {
        }

        /** As ClusteredTokenStore: putIfAbsent, and a takeover only of a lease that has ended. */
        @Override
        public Lease lease(String key, Lease mine) {
            Lease held = leases.putIfAbsent(key, mine);
            if (held == null) {
                return mine;
            }
            return held.endedAt(clock.millis()) && leases.replace(key, held, mine) ? mine : held;
        }

        @Override
        public void release(String key, Lease mine) {
            leases.remove(key, mine);
        }

        @Override
        public boolean shared() {
            return true;
        }
    }
}
