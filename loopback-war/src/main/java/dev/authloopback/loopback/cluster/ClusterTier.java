package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.cache.ProfileLimits;
import dev.authloopback.loopback.cache.TokenCache;
import dev.authloopback.loopback.cache.TokenExpiryPolicy;
import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.loopback.health.HealthCheck;
import dev.authloopback.loopback.health.HealthStatus;
import org.ehcache.CacheManager;
import org.ehcache.clustered.client.config.builders.ClusteredResourcePoolBuilder;
import org.ehcache.clustered.client.config.builders.ClusteredStoreConfigurationBuilder;
import org.ehcache.clustered.client.config.builders.ClusteringServiceConfigurationBuilder;
import org.ehcache.clustered.client.config.builders.TimeoutsBuilder;
import org.ehcache.clustered.common.Consistency;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ExpiryPolicyBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.EntryUnit;
import org.ehcache.config.units.MemoryUnit;
import org.ehcache.core.spi.time.TimeSource;
import org.ehcache.impl.internal.TimeSourceConfiguration;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * This node's connection to the clustered tier, for every profile of the web app, and what it does
 * when the Terracotta server goes away.
 *
 * <p>A clustered {@code CacheManager} does not rebuild its cluster tier after the whole stripe went
 * down and came back ("Reconnection rejected", ehcache3 #2694, #1586), and until it gives up each
 * operation waits for the clustered timeouts. So this class never waits on a broken manager: the
 * first failed operation ({@link FailFastResilience}) marks the tier unreachable, requests go to each
 * profile's local heap store at once, the broken manager is closed in the background, and a new
 * manager is built every {@code cluster-retry-interval} until the server answers. Then what the
 * node cached meanwhile is offered to the cluster and the node shares again, without a redeploy.
 * Each state change is logged once.
 */
public final class ClusterTier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.authloopback.loopback.cluster");
    /** Leases and eviction marks are a few dozen bytes each; a mebibyte holds thousands. */
    private static final long SMALL_POOL_MIB = 1;
    /** Never a cache key: those are digests or templates of a request. */
    private static final String PROBE_KEY = "\u0000probe";

    /** A connected manager and its caches; replaced as a whole on reconnection. */
    private record Connection(long generation, CacheManager manager, Map<String, SharedCaches> caches) {
    }

    /** Why and since when the tier is unreachable. */
    private record Outage(Instant since, String reason) {
    }

    private final ClusterSettings settings;
    private final Map<String, ProfileLimits> profiles;
    private final TimeSource timeSource;
    private final Clock clock;
    private final ClassLoader classLoader;
    private final String node;
    private final ScheduledExecutorService worker;
    /** Walks of the clustered tier for the operator's views; one at a time, the next ones wait or fall back. */
    private final ExecutorService walker;
    private final List<ClusteredTokenStore> stores = new CopyOnWriteArrayList<>();
    private final AtomicLong generations = new AtomicLong();
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong rejoins = new AtomicLong();
    private volatile Connection current;
    private volatile Outage outage;
    private volatile boolean closed;

    public ClusterTier(ClusterSettings settings, Map<String, ProfileLimits> profiles, TimeSource timeSource, Clock clock,
                       String node) {
        this.settings = settings;
        this.profiles = Map.copyOf(profiles);
        this.timeSource = timeSource;
        this.clock = clock;
        this.classLoader = ClusterTier.class.getClassLoader();
        this.node = node;
        AtomicInteger threads = new AtomicInteger();
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loopback-cluster-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.walker = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4), r -> {
                    Thread t = new Thread(r, "loopback-cluster-walk-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        // Hits are served from the heap tier without asking the server, and a read that times out
        // is answered as a miss, so a node could go on without noticing the server is gone: a probe
        // writes to it on every interval.
        worker.scheduleWithFixedDelay(this::probe, settings.retryInterval().toMillis(),
                settings.retryInterval().toMillis(), TimeUnit.MILLISECONDS);
        try {
            if (!anyServerAccepts()) {
                throw new IllegalStateException("no server of " + settings.uri() + " accepts connections");
            }
            current = connect();
            LOG.log(System.Logger.Level.INFO, "cluster tier connected: " + settings.uri() + " node=" + node);
        } catch (RuntimeException e) {
            // The web app still starts: each node caches locally until the server can be reached.
            outage = new Outage(clock.instant(), describe(e));
            LOG.log(System.Logger.Level.WARNING, "cluster tier unreachable at start-up (" + settings.uri() + ": "
                    + outage.reason() + "); serving from this node's heap cache, retrying every "
                    + settings.retryInterval());
            scheduleReconnect();
        }
    }

    /** This node's name in leases and logs: host, process, web app. */
    public String node() {
        return node;
    }

    /** A profile's store on this tier; {@code local} serves while the cluster is unreachable. */
    public ClusteredTokenStore store(String profile, dev.authloopback.loopback.cache.LocalTokenStore local) {
        if (!profiles.containsKey(profile)) {
            throw new IllegalArgumentException("no profile " + profile);
        }
        ClusteredTokenStore store = new ClusteredTokenStore(profile, this, local);
        stores.add(store);
        return store;
    }

    /** The caches of a profile on the live connection, or {@code null} while the cluster is unreachable. */
    SharedCaches caches(String profile) {
        Connection connection = current;
        return connection == null ? null : connection.caches().get(profile);
    }

    /**
     * Runs a walk of the clustered tier, waiting at most the read timeout.
     *
     * @return its result, or {@code null} when it failed, took too long or could not start
     */
    <T> T walk(Supplier<T> walk) {
        Future<T> running;
        try {
            running = walker.submit(walk::get);
        } catch (RejectedExecutionException e) {
            return null;
        }
        try {
            return running.get(settings.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            return null;
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
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

    /** The {@code cache-tier} health check: UP while shared, DEGRADED (never DOWN) while local only. */
    public HealthCheck check() {
        Outage down = outage;
        if (down == null && current != null) {
            return new HealthCheck("cache-tier", HealthStatus.UP, "ok", "clustered (" + settings.uri()
                    + ") over this node's heap tier; node " + node);
        }
        Outage shown = down != null ? down : new Outage(clock.instant(), "not connected");
        return new HealthCheck("cache-tier", HealthStatus.DEGRADED, "cluster_unreachable", settings.uri()
                + " unreachable since " + shown.since() + " (" + shown.reason() + "); tokens are cached in this"
                + " node's heap only, retrying every " + settings.retryInterval());
    }

    /**
     * A clustered operation on {@code seen} failed: the first report for a connection switches the
     * node to its local stores; later reports for the same (or an older) connection change nothing.
     */
    void failed(SharedCaches seen, RuntimeException cause) {
        Connection lost;
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
        closeInBackground(lost.manager());
        scheduleReconnect();
    }

    /**
     * One write to the server (removing a key that never exists); a failure switches the node to
     * local. A write, because Ehcache's clustered store answers a read that timed out as a miss
     * without telling anyone.
     */
    private void probe() {
        Connection connection = current;
        if (connection == null || closed) {
            return;
        }
        SharedCaches any = connection.caches().values().iterator().next();
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
            worker.schedule(this::reconnect, settings.retryInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Shutting down.
        }
    }

    private void reconnect() {
        if (closed || current != null) {
            return;
        }
        if (!anyServerAccepts()) {
            // Nothing listens yet: building a cache manager now would only fail after the
            // connection timeout and log Ehcache's and Terracotta's errors on every attempt.
            scheduleReconnect();
            return;
        }
        Connection fresh;
        try {
            fresh = connect();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "cluster tier still unreachable: " + describe(e));
            scheduleReconnect();
            return;
        }
        // What this node cached on its own goes to the cluster first, so sharing again costs no
        // upstream call for keys some node already holds.
        long offered = 0;
        for (ClusteredTokenStore store : stores) {
            offered += store.offerLocalEntries(fresh.caches().get(store.profile()));
        }
        Outage was;
        synchronized (this) {
            if (closed) {
                closeQuietly(fresh.manager());
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

    /** Whether a TCP connection to any server of {@code cluster-uri} is accepted within the connection timeout. */
    private boolean anyServerAccepts() {
        for (String server : settings.uri().getRawAuthority().split(",")) {
            int colon = server.lastIndexOf(':');
            String host = server.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, Integer.parseInt(server.substring(colon + 1))),
                        (int) Math.min(Integer.MAX_VALUE, settings.connectionTimeout().toMillis()));
                return true;
            } catch (IOException | IllegalArgumentException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "cluster server " + server + " not accepting: " + describe(e));
            }
        }
        return false;
    }

    private Connection connect() {
        long generation = generations.incrementAndGet();
        CacheManagerBuilder<? extends CacheManager> builder = CacheManagerBuilder.newCacheManagerBuilder()
                .using(new TimeSourceConfiguration(timeSource))
                .withClassLoader(classLoader)
                .with(ClusteringServiceConfigurationBuilder.cluster(settings.uri())
                        .timeouts(TimeoutsBuilder.timeouts().read(settings.readTimeout())
                                .write(settings.writeTimeout()).connection(settings.connectionTimeout()))
                        .autoCreate(server -> server.defaultServerResource(settings.resource())));
        long poolMiB = settings.poolBytes() / (1024 * 1024);
        for (Map.Entry<String, ProfileLimits> profile : profiles.entrySet()) {
            String name = profile.getKey();
            ProfileLimits limits = profile.getValue();
            builder = builder
                    .withCache(TokenCache.cacheName(name), CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class,
                                    CachedToken.class, ResourcePoolsBuilder.newResourcePoolsBuilder()
                                            .heap(limits.maxEntries(), EntryUnit.ENTRIES)
                                            .with(ClusteredResourcePoolBuilder.clusteredDedicated(settings.resource(),
                                                    poolMiB, MemoryUnit.MB)))
                            .withExpiry(new TokenExpiryPolicy(timeSource, limits.tti()))
                            .withResilienceStrategy(new FailFastResilience<>())
                            .withService(ClusteredStoreConfigurationBuilder.withConsistency(Consistency.STRONG)))
                    .withCache("leases-" + name, CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class,
                                    Lease.class, ResourcePoolsBuilder.newResourcePoolsBuilder()
                                            .with(ClusteredResourcePoolBuilder.clusteredDedicated(settings.resource(),
                                                    SMALL_POOL_MIB, MemoryUnit.MB)))
                            .withExpiry(new LeaseExpiry(timeSource))
                            .withResilienceStrategy(new FailFastResilience<>())
                            .withService(ClusteredStoreConfigurationBuilder.withConsistency(Consistency.STRONG)))
                    .withCache("evictions-" + name, CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class,
                                    Long.class, ResourcePoolsBuilder.newResourcePoolsBuilder()
                                            .with(ClusteredResourcePoolBuilder.clusteredDedicated(settings.resource(),
                                                    SMALL_POOL_MIB, MemoryUnit.MB)))
                            // A mark only matters for one interval; the rate limit compares times itself.
                            .withExpiry(ExpiryPolicyBuilder.timeToLiveExpiration(
                                    max(limits.minRefreshInterval(), Duration.ofSeconds(1))))
                            .withResilienceStrategy(new FailFastResilience<>())
                            .withService(ClusteredStoreConfigurationBuilder.withConsistency(Consistency.STRONG)));
        }
        CacheManager manager = builder.build(false);
        try {
            manager.init();
        } catch (RuntimeException e) {
            closeQuietly(manager);
            throw e;
        }
        Map<String, SharedCaches> caches = new LinkedHashMap<>();
        for (String name : profiles.keySet()) {
            caches.put(name, new SharedCaches(generation,
                    manager.getCache(TokenCache.cacheName(name), String.class, CachedToken.class),
                    manager.getCache("leases-" + name, String.class, Lease.class),
                    manager.getCache("evictions-" + name, String.class, Long.class)));
        }
        return new Connection(generation, manager, caches);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * Not on the reconnecting worker: closing a manager whose server is gone can block in
     * Ehcache's own reconnection loop until that server answers again.
     */
    private void closeInBackground(CacheManager manager) {
        Thread closer = new Thread(() -> closeQuietly(manager), "loopback-cluster-close-" + generations.get());
        closer.setDaemon(true);
        closer.start();
    }

    private static void closeQuietly(CacheManager manager) {
        try {
            manager.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "closing a broken cluster connection: " + describe(e));
        }
    }

    /** The failure in one line: the innermost cause says what really happened (refused, timed out...). */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String what = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return what.length() > 300 ? what.substring(0, 300) + "…" : what;
    }

    /**
     * Closes the live connection, bounded: a manager whose server is gone can block in its own
     * reconnection loop, and an undeploy must not hang on it.
     */
    @Override
    public void close() {
        Connection last;
        synchronized (this) {
            closed = true;
            last = current;
            current = null;
        }
        worker.shutdownNow();
        walker.shutdownNow();
        if (last != null) {
            Thread closer = new Thread(() -> closeQuietly(last.manager()), "loopback-cluster-close");
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
