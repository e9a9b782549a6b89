package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.TokenStore;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import dev.authloopback.loopback.tracing.LoopbackTracing;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Single flight across the nodes that share a store: of the requests that lead for one cold key on
 * their node ({@link SingleFlight}), only the one that gets the key's lease calls upstream. The
 * others look for its entry, with pauses growing from 2 to 50 ms, and take the lease themselves only
 * once it has ended (its holder died, or stored nothing in time), so a dead holder costs them one
 * lease length.
 */
final class ClusterSingleFlight {
    private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** The entry usually arrives within milliseconds; 50 ms bounds both the polling and the delay. */
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final TokenStore store;
    private final String node;
    private final Clock clock;
    /** How long a lease lasts, and how long this node waits for another's before giving up. */
    private final Duration leaseLength;
    /** Names the leading request in the lease, for the links of other nodes' waiters. */
    private final LoopbackTracing tracing;

    ClusterSingleFlight(TokenStore store, String node, Clock clock, Duration leaseLength) {
        this(store, node, clock, leaseLength, LoopbackTracing.none());
    }

    ClusterSingleFlight(TokenStore store, String node, Clock clock, Duration leaseLength, LoopbackTracing tracing) {
        this.tracing = tracing;
        this.store = store;
        this.node = node;
        this.clock = clock;
        this.leaseLength = leaseLength;
    }

    /**
     * @param digest     the request's digest: only an entry it filled is usable
     * @param fromStored the outcome when another node stored a fresh entry meanwhile
     * @param call       the upstream call, made while this node holds the lease
     * @throws UpstreamFailure (timeout) when another node held the lease and nothing usable arrived in time
     */
    <T> T run(String key, String digest, Function<CachedToken, T> fromStored, Supplier<T> call) {
        return run(key, digest, (stored, holderSpan) -> fromStored.apply(stored), call);
    }

    /**
     * @param fromStored the outcome from another node's entry, and the traceparent its lease named
     *                   ({@code null} if none, or if the entry was there before any lease was seen)
     */
    <T> T run(String key, String digest, BiFunction<CachedToken, String, T> fromStored, Supplier<T> call) {
        String holderSpan = null;
        long start = System.nanoTime();
        long pause = FIRST_PAUSE_NANOS;
        while (true) {
            CachedToken stored = usable(key, digest);
            if (stored != null) {
                return fromStored.apply(stored, holderSpan);
            }
            Lease mine = new Lease(node, ThreadLocalRandom.current().nextLong(),
                    clock.millis() + leaseLength.toMillis(), tracing.traceparent());
            Lease held = store.lease(key, mine);
            if (held.equals(mine)) {
                try {
                    // The previous holder may have stored and released between the look above and
                    // this lease: looked at once more, so that never costs a second upstream call.
                    CachedToken meanwhile = usable(key, digest);
                    return meanwhile != null ? fromStored.apply(meanwhile, holderSpan) : call.get();
                } finally {
                    store.release(key, mine);
                }
            }
            holderSpan = held.span();
            long waited = System.nanoTime() - start;
            if (waited >= leaseLength.toNanos() + pause) {
                throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, "node " + held.holder() + " held the fetch"
                        + " lease for this key and stored nothing within " + leaseLength,
                        TimeUnit.NANOSECONDS.toMillis(waited));
            }
            LockSupport.parkNanos(pause);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, "interrupted while waiting for another"
                        + " node's fetch", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }

    private CachedToken usable(String key, String digest) {
        CachedToken entry = store.get(key);
        return entry != null && entry.requestDigest().equals(digest) && entry.isFreshAt(clock.millis()) ? entry : null;
    }
}
