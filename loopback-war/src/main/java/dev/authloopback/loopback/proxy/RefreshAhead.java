package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.TokenStore;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.metrics.LoopbackMetrics;
import dev.authloopback.loopback.outcome.RefreshOutcome;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import dev.authloopback.loopback.proxy.TokenProxy.Fetched;
import dev.authloopback.loopback.request.TokenRequest;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Refresh ahead for one profile: a hit in an entry's refresh window renews it in the background,
 * in the profile's single flight (a request that misses meanwhile joins it), under the store's lease
 * so one node of a cluster renews it, and backs off after a failed renewal so a sick upstream is not
 * hammered by every hit.
 */
final class RefreshAhead {
    /** One leading fetch of the proxy: alone in the cluster, or straight upstream. */
    @FunctionalInterface
    interface Fetch {
        Fetched fetch(TokenRequest request, String key, String digest);
    }

    private final LoopbackSettings settings;
    private final TokenStore cache;
    private final String node;
    private final Clock clock;
    private final Executor refreshExecutor;
    private final LoopbackMetrics.ProfileMetrics metrics;
    private final SingleFlight<Fetched> flights;
    private final Fetch fetch;
    private final Fetch fetchUpstream;
    /** Earliest next background refresh per flight key after one failed: no hammering a sick upstream. */
    private final ConcurrentHashMap<String, Long> refreshBackoff = new ConcurrentHashMap<>();

    RefreshAhead(LoopbackSettings settings, TokenStore cache, String node, Clock clock, Executor refreshExecutor,
                 LoopbackMetrics.ProfileMetrics metrics, SingleFlight<Fetched> flights, Fetch fetch,
                 Fetch fetchUpstream) {
        this.settings = settings;
        this.cache = cache;
        this.node = node;
        this.clock = clock;
        this.refreshExecutor = refreshExecutor;
        this.metrics = metrics;
        this.flights = flights;
        this.fetch = fetch;
        this.fetchUpstream = fetchUpstream;
    }

    /** After an evict-all: the next hits may renew at once. */
    void forgetBackOffs() {
        refreshBackoff.clear();
    }

    /**
     * Starts renewing {@code key} in the background unless a renewal of it failed less than a
     * back-off ago; the hit that noticed the refresh window is answered from the entry meanwhile.
     */
    void start(TokenRequest request, String key, String digest, String keyId, long now) {
        String flightKey = key + "|" + digest;
        Long notBefore = refreshBackoff.get(flightKey);
        if (notBefore != null && now < notBefore) {
            return;
        }
        flights.runInBackground(flightKey, () -> releasedAfter(() -> {
            // A hit that read the entry just before another refresh stored its successor would
            // otherwise start a second refresh: only an entry still in its refresh window is renewed.
            CachedToken current = cache.get(key);
            if (current != null && current.requestDigest().equals(digest) && current.isFreshAt(clock.millis())
                    && !current.wantsRefreshAt(clock.millis())) {
                return Fetched.ofEntry(current, "ALREADY_RENEWED", true);
            }
            Lease mine = new Lease(node, ThreadLocalRandom.current().nextLong(),
                    clock.millis() + settings.upstreamBudget().toMillis());
            Lease held = cache.lease(key, mine);
            if (!held.equals(mine)) {
                refreshBackoff.put(flightKey, held.deadline());
                if (current == null || !current.requestDigest().equals(digest)) {
                    // Gone meanwhile: a request that joins this flight needs the node's usual miss.
                    return fetch.fetch(request, key, digest);
                }
                // Another node is renewing it; its entry reaches this node through the store.
                return Fetched.ofEntry(current, "RENEWING_ELSEWHERE", false);
            }
            try {
                // Another node may have renewed it and released its lease since the look above.
                CachedToken renewed = cache.get(key);
                if (renewed != null && renewed != current && renewed.requestDigest().equals(digest)
                        && renewed.isFreshAt(clock.millis()) && !renewed.wantsRefreshAt(clock.millis())) {
                    return Fetched.ofEntry(renewed, "ALREADY_RENEWED", true);
                }
                Fetched fetched = fetchUpstream.fetch(request, key, digest);
                if (fetched.stored() != null) {
                    refreshBackoff.remove(flightKey);
                } else {
                    backOff(flightKey);
                }
                metrics.refreshed(fetched.stored() != null ? RefreshOutcome.STORED : RefreshOutcome.SKIPPED);
                RequestLog.line(settings.profile(), keyId, "REFRESH", fetched.action(),
                        String.valueOf(fetched.answer().status()), fetched.answer().latencyMillis(),
                        fetched.answer().status());
                return fetched;
            } catch (UpstreamFailure failure) {
                backOff(flightKey);
                metrics.refreshed(RefreshOutcome.FAILED);
                RequestLog.line(settings.profile(), keyId, "REFRESH", "KEEP_OLD", failure.kind().name(),
                        failure.latencyMillis(), failure.kind().status());
                throw failure;
            } finally {
                cache.release(key, mine);
            }
        }), refreshExecutor);
    }

    /** Nobody writes a background refresh's answer back: stored or not, its bytes leave flight when it ends. */
    private static Fetched releasedAfter(java.util.function.Supplier<Fetched> refresh) {
        Fetched fetched = refresh.get();
        fetched.answer().release();
        return fetched;
    }

    private void backOff(String flightKey) {
        long pause = Math.max(1000, settings.minRefreshInterval().toMillis());
        refreshBackoff.put(flightKey, clock.millis() + pause);
        pruneBookkeeping();
    }

    /** Keeps the back-off map as small as the cache: expired marks are dropped. */
    private void pruneBookkeeping() {
        if (refreshBackoff.size() <= settings.maxEntries()) {
            return;
        }
        long now = clock.millis();
        refreshBackoff.values().removeIf(notBefore -> now >= notBefore);
    }
}
