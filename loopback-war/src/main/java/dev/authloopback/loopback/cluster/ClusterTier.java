package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.LocalTokenStore;
import dev.authloopback.loopback.cache.ProfileLimits;
import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.loopback.health.HealthCheck;
import org.ehcache.core.spi.time.TimeSource;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.authloopback.loopback.cluster.ClusterLog.LOG;
import static dev.authloopback.loopback.cluster.ClusterLog.describe;

/**
 * This node's connection to the clustered tier, for every profile of the web app, and what it does
 * when the Terracotta server goes away: the one place that decides whether the node shares
 * (connected, failed over, rejoined).
 *
 * <p>A clustered {@code CacheManager} does not rebuild its cluster tier after the whole stripe went
 * down and came back ("Reconnection rejected", ehcache3 #2694, #1586), and until it gives up each
 * operation waits for the clustered timeouts. So this class never waits on a broken manager: the
 * first failed operation ({@link FailFastResilience}) marks the tier unreachable, requests go to each
 * profile's local heap store at once, the broken manager is closed in the background, and a new
 * manager is built every {@code cluster-retry-interval} until the server answers. Then what the
 * node cached meanwhile is offered to the cluster and the node shares again, without a redeploy.
 * Each state change is logged once.
 *
 * <p>The caches it connects to are described by {@link ClusterCacheConfigurations}; whether a server
 * listens at all, by {@link TerracottaReachability}; the operator's walks run on {@link ClusterWalks}
 * and the health check is {@link ClusterHealthCheck}.
 */
public final class ClusterTier implements AutoCloseable {
    /** Never a cache key: those are digests or templates of a request. */
    private static final String PROBE_KEY = "\u0000probe";
    /** How long an undeploy waits for the last connection to close. */
    private static final Duration CLOSE_LIMIT = Duration.ofSeconds(10);
    /** A close against a live server takes milliseconds; past this, the server may be gone. */
    private static final Duration FIRST_CLOSE_WAIT = Duration.ofSeconds(1);

    private final ClusterSettings settings;
    private final Map<String, ProfileLimits> profiles;
    private final Clock clock;
    private final String node;
    private final ClusterCacheConfigurations configurations;
    private final TerracottaReachability reachability;
    private final ClusterHealthCheck health;
    private final ClusterWalks walks;
    private final ClusterKeys keys;
    private final Refusals refusals;
    private final ScheduledExecutorService worker;
    private final List<ClusteredTokenStore> stores = new CopyOnWriteArrayList<>();
    private final AtomicLong generations = new AtomicLong();
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong rejoins = new AtomicLong();
    private volatile ClusterConnection current;
    private volatile Outage outage;
    private volatile boolean closed;
    /** Until the next reconnection attempt: the retry interval, or longer while the server refuses the pools. */
    private volatile Duration retryDelay;

    /**
     * @param cacheBytes         {@code max-cache-bytes}: the heap tiers over the cluster share it
     * @param exchangeCacheBytes {@code max-exchange-cache-bytes}: the exchange profiles' heap tiers share it instead
     */
    public ClusterTier(ClusterSettings settings, Map<String, ProfileLimits> profiles, long cacheBytes,
                       long exchangeCacheBytes, TimeSource timeSource, Clock clock, String node) {
        this.settings = settings;
        this.profiles = Map.copyOf(profiles);
        this.clock = clock;
        this.node = node;
        this.keys = new ClusterKeys(settings);
        this.refusals = new Refusals(clock);
        this.retryDelay = settings.retryInterval();
        if (!keys.sealed()) {
            LOG.log(System.Logger.Level.WARNING, "cluster-unsealed=true: tokens go to " + settings.uri()
                    + " in clear; whoever reaches the Terracotta port can read every cached token and change"
                    + " what this node serves. Set cluster-key-file instead (docs/cluster.md)");
        }
        this.configurations = new ClusterCacheConfigurations(settings, profiles, cacheBytes, exchangeCacheBytes, timeSource,
                ClusterTier.class.getClassLoader(), keys);
        this.reachability = new TerracottaReachability(settings.uri(), settings.connectionTimeout());
        this.health = new ClusterHealthCheck(settings, node, clock, () -> keys.get().describe());
        this.walks = new ClusterWalks(settings.readTimeout());
        AtomicInteger threads = new AtomicInteger();
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loopback-cluster-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // Hits are served from the heap tier without asking the server, and a read that times out
        // is answered as a miss, so a node could go on without noticing the server is gone: a probe
        // writes to it on every interval.
        worker.scheduleWithFixedDelay(this::probe, settings.retryInterval().toMillis(),
                settings.retryInterval().toMillis(), TimeUnit.MILLISECONDS);
        start();
    }

    /** This node's name in leases and logs: host, process, web app. */
    public String node() {
        return node;
    }

    /** A profile's store on this tier; {@code local} serves while the cluster is unreachable. */
    public ClusteredTokenStore store(String profile, LocalTokenStore local) {
        ProfileLimits limits = profiles.get(profile);
        if (limits == null) {
            throw new IllegalArgumentException("no profile " + profile);
        }
        ClusteredTokenStore store = new ClusteredTokenStore(profile, this, walks, local, keys, refusals,
                limits.maxEntries());
        stores.add(store);
        return store;
    }

    /** The caches of a profile on the live connection, or {@code null} while the cluster is unreachable. */
    SharedCaches caches(String profile) {
        ClusterConnection connection = current;
        return connection == null ? null : connection.caches(profile);
    }

    long now() {
        return clock.millis();
    }

    public boolean connected() {
        return current != null;
    }

    public long failovers() {
        return failovers.get();
    }

    public long rejoins() {
        return rejoins.get();
    }

    /**
     * Values read from the cluster and not used, by cache (tokens, leases, marks) and reason
     * (tampered, unknown_key, format, moved, replayed).
     */
    public Map<String, Map<String, Long>> refused() {
        return refusals.counts();
    }

    /** The {@code cache-tier} health check: UP while shared, DEGRADED (never DOWN) while local only. */
    public HealthCheck check() {
        Outage down = outage;
        boolean shared = current != null;
        return health.check(down, shared);
    }

    /**
     * A clustered operation on {@code seen} failed: the first report for a connection switches the
     * node to its local stores; later reports for the same (or an older) connection change nothing.
     */
    void failed(SharedCaches seen, RuntimeException cause) {
        ClusterConnection lost;
        synchronized (this) {
            lost = current;
            if (lost == null || lost.generation() != seen.generation() || closed) {
                return;
            }
            current = null;
            outage = new Outage(clock.instant(), describe(cause));
        }
        failovers.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "cluster tier unreachable (" + settings.uri() + ": " + outage.reason()
                + "); serving from this node's heap cache until it is back, retrying every " + settings.retryInterval());
        lost.closeInBackground();
        scheduleReconnect();
    }

    /** The first connection; without it the web app still starts, and the node caches locally until it can share. */
    private void start() {
        try {
            if (!reachability.anyServerAccepts()) {
                throw new IllegalStateException("no server of " + settings.uri() + " accepts connections");
            }
            current = connect();
            LOG.log(System.Logger.Level.INFO, "cluster tier connected: " + settings.uri() + " node=" + node);
        } catch (RuntimeException e) {
            Optional<String> refused = PoolRefusal.of(e);
            if (refused.isPresent()) {
                outage = new Outage(clock.instant(), "the server refused the pools: " + refused.get());
                retryDelay = PoolRefusal.next(retryDelay);
                LOG.log(System.Logger.Level.WARNING, "cluster tier refused by the server (" + settings.uri() + ": "
                        + refused.get() + "): " + PoolRefusal.advice(settings, profiles.size(), exchangeProfiles())
                        + ". Serving from this node's heap cache meanwhile; retrying quietly, at most every "
                        + PoolRefusal.LONGEST_RETRY);
            } else {
                outage = new Outage(clock.instant(), describe(e));
                LOG.log(System.Logger.Level.WARNING, "cluster tier unreachable at start-up (" + settings.uri() + ": "
                        + outage.reason() + "); serving from this node's heap cache, retrying every "
                        + settings.retryInterval());
            }
            scheduleReconnect();
        }
    }

    /**
     * One write to the server (removing a key that never exists); a failure switches the node to
     * local. A write, because Ehcache's clustered store answers a read that timed out as a miss
     * without telling anyone.
     */
    private void probe() {
        // The key file is checked here, on the tier's own thread, never on a request.
        keys.refresh();
        ClusterConnection connection = current;
        if (connection == null || closed) {
            return;
        }
        SharedCaches any = connection.anyCaches();
        try {
            any.leases().remove(PROBE_KEY);
        } catch (RuntimeException e) {
            failed(any, e);
        }
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        try {
            worker.schedule(this::reconnect, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down.
        }
    }

    private void reconnect() {
        if (closed || current != null) {
            return;
        }
        if (!reachability.anyServerAccepts()) {
            // Nothing listens yet: building a cache manager now would only fail after the
            // connection timeout and log Ehcache's and Terracotta's errors on every attempt.
            scheduleReconnect();
            return;
        }
        ClusterConnection fresh;
        try {
            fresh = connect();
        } catch (RuntimeException e) {
            Optional<String> refused = PoolRefusal.of(e);
            if (refused.isPresent()) {
                boolean first = outage == null || !outage.reason().startsWith("the server refused the pools");
                outage = new Outage(first ? clock.instant() : outage.since(), "the server refused the pools: " + refused.get());
                retryDelay = PoolRefusal.next(retryDelay);
                if (first) {
                    LOG.log(System.Logger.Level.WARNING, "cluster tier refused by the server (" + settings.uri() + ": "
                            + refused.get() + "): " + PoolRefusal.advice(settings, profiles.size(), exchangeProfiles())
                            + ". Retrying quietly, at most every " + PoolRefusal.LONGEST_RETRY);
                }
            } else {
                retryDelay = settings.retryInterval();
                LOG.log(System.Logger.Level.DEBUG, () -> "cluster tier still unreachable: " + describe(e));
            }
            scheduleReconnect();
            return;
        }
        retryDelay = settings.retryInterval();
        long offered = offerLocalEntries(fresh);
        Outage was;
        synchronized (this) {
            if (closed) {
                fresh.closeQuietly();
                return;
            }
            was = outage;
            current = fresh;
            outage = null;
        }
        stores.forEach(ClusteredTokenStore::dropLocalEntries);
        rejoins.incrementAndGet();
        long seconds = was == null ? 0 : Duration.between(was.since(), clock.instant()).toSeconds();
        LOG.log(System.Logger.Level.INFO, "cluster tier connected again: " + settings.uri() + " after " + seconds
                + " s unreachable; " + offered + " locally cached entries offered to the cluster; node=" + node);
    }

    /**
     * What this node cached on its own goes to the cluster first, so sharing again costs no
     * upstream call for keys some node already holds.
     */
    private long offerLocalEntries(ClusterConnection fresh) {
        long offered = 0;
        for (ClusteredTokenStore store : stores) {
            offered += store.offerLocalEntries(fresh.caches(store.profile()));
        }
        return offered;
    }

    private ClusterConnection connect() {
        return ClusterConnection.open(generations.incrementAndGet(), configurations);
    }

    /**
     * Closes the live connection, bounded: a manager whose server is gone can block in its own
     * reconnection loop, and an undeploy must not hang on it.
     */
    @Override
    public void close() {
        ClusterConnection last;
        synchronized (this) {
            closed = true;
            last = current;
            current = null;
        }
        worker.shutdownNow();
        walks.close();
        if (last == null) {
            return;
        }
        // A manager whose server is gone can block in Ehcache's reconnection loop: close it on a
        // daemon thread, and wait the whole CLOSE_LIMIT only while the server still answers. When it
        // was stopped together with the nodes, waiting would only hold up the undeploy or the JVM's
        // exit; the daemon thread finishes the close, or the JVM ends it.
        Thread closer = last.closeInBackground();
        if (!joined(closer, FIRST_CLOSE_WAIT) && reachability.anyServerAccepts()) {
            joined(closer, CLOSE_LIMIT.minus(FIRST_CLOSE_WAIT));
        }
    }

    private static boolean joined(Thread thread, Duration limit) {
        try {
            thread.join(limit.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    private int exchangeProfiles() {
        return (int) profiles.values().stream().filter(ProfileLimits::exchange).count();
    }
}
