package dev.authloopback.loopback.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.loopback.cache.CacheKeys;
import dev.authloopback.loopback.cache.ClockTimeSource;
import dev.authloopback.loopback.cache.ProfileLimits;
import dev.authloopback.loopback.cache.TokenCache;
import dev.authloopback.loopback.cache.TokenResponseInspector;
import dev.authloopback.loopback.cache.TokenStore;
import dev.authloopback.loopback.cluster.ClusterTier;
import dev.authloopback.loopback.dpop.DpopGate;
import dev.authloopback.loopback.config.LoopbackConfiguration;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.credentials.SelectingFields;
import dev.authloopback.loopback.credentials.UpstreamCredential;
import dev.authloopback.loopback.health.CredentialFilesHealth;
import dev.authloopback.loopback.health.HealthCheck;
import dev.authloopback.loopback.health.HealthStatus;
import dev.authloopback.loopback.health.UpstreamHealth;
import dev.authloopback.loopback.memory.InFlightBytes;
import dev.authloopback.loopback.metrics.LoopbackMetrics;
import dev.authloopback.loopback.proxy.TokenProxy;
import dev.authloopback.loopback.tracing.LoopbackTracing;
import dev.authloopback.loopback.upstream.UpstreamTokenClient;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything the web app holds while it runs: the cache, one proxy per profile, the upstream
 * clients and the refresh-ahead executor. Created by {@link LoopbackContextListener}, closed with
 * the web app.
 */
public final class LoopbackRuntime implements AutoCloseable {
    /** Servlet context attribute under which the running instance is found. */
    public static final String ATTRIBUTE = LoopbackRuntime.class.getName();

    private final ObjectMapper json = new ObjectMapper();
    private final TokenCache cache;
    /** {@code max-bytes-in-flight}: request bodies still arriving and upstream answers not yet written back. */
    private final InFlightBytes inFlight;
    /** {@code null} without {@code cluster-uri}. */
    private final ClusterTier cluster;
    private final Map<String, TokenProxy> proxies = new LinkedHashMap<>();
    /** The rules of unknown profiles and of the admin views. */
    private final LoopbackSettings defaultSettings;
    private final java.time.Duration evictAllInterval;
    private final List<UpstreamTokenClient> clients = new ArrayList<>();
    private final ThreadPoolExecutor refreshExecutor;
    private final LoopbackMetrics metrics;
    private final Map<String, UpstreamHealth> health = new LinkedHashMap<>();
    /** DPoP profiles only. */
    private final Map<String, DpopGate> dpopGates = new LinkedHashMap<>();
    private final Map<String, LoopbackMetrics.ProfileMetrics> profileMetrics = new LinkedHashMap<>();
    private final Map<String, UpstreamCredential> credentials = new LinkedHashMap<>();
    private final LoopbackTracing tracing;
    /**
     * Keys subject tokens in exchange profiles: derived from the cluster's sealing key, so every node
     * keys one user's token alike (one exchange per cluster); random per web app without one.
     */
    private final dev.authloopback.loopback.exchange.SubjectDigest subjectDigest;

    /** @param node this node's name in the cluster's leases and logs (host, process, web app) */
    public LoopbackRuntime(LoopbackConfiguration configuration, Clock clock, String node) {
        this(configuration, clock, node, LoopbackTracing.none());
    }

    /** @param tracing the spans of token requests and upstream calls (docs/tracing.md) */
    public LoopbackRuntime(LoopbackConfiguration configuration, Clock clock, String node, LoopbackTracing tracing) {
        this.tracing = tracing;
        Map<String, ProfileLimits> limits = new LinkedHashMap<>();
        configuration.profiles().forEach((name, s) -> limits.put(name, ProfileLimits.of(s)));
        this.defaultSettings = configuration.defaultProfile();
        this.subjectDigest = ExchangeProfiles.digest(configuration.cluster().orElse(null));
        this.evictAllInterval = configuration.evictAllInterval();
        ClockTimeSource timeSource = new ClockTimeSource(clock);
        long cacheBytes = configuration.memory().maxCacheBytes();
        java.util.Set<String> exchangeProfiles = new java.util.HashSet<>();
        configuration.profiles().forEach((name, s) -> {
            if (s.exchange() != null) {
                exchangeProfiles.add(name);
            }
        });
        this.cache = new TokenCache(timeSource, limits, cacheBytes, configuration.memory().maxExchangeCacheBytes(),
                exchangeProfiles);
        this.inFlight = new InFlightBytes(configuration.memory().maxBytesInFlight());
        if (configuration.cluster().isPresent()) {
            this.cluster = new ClusterTier(configuration.cluster().get(), limits, cacheBytes,
                    configuration.memory().maxExchangeCacheBytes(), timeSource, clock, node);
        } else {
            this.cluster = null;
        }
        AtomicInteger threads = new AtomicInteger();
        // Small and bounded: refreshes are rare and coalesced per key; when full, the next hit retries.
        this.refreshExecutor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
            Thread t = new Thread(r, "loopback-refresh-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.refreshExecutor.allowCoreThreadTimeOut(true);
        Map<String, TokenStore> caches = new LinkedHashMap<>();
        configuration.profiles().keySet().forEach(name -> caches.put(name,
                cluster == null ? cache.forProfile(name) : cluster.store(name, cache.forProfile(name))));
        this.metrics = new LoopbackMetrics(configuration.profiles().keySet(),
                profile -> caches.get(profile).stats(clock.millis()), this::status);
        metrics.registerMemory(configuration.profiles().keySet(), cache.ledger(), inFlight);
        if (cluster != null) {
            metrics.registerCluster(cluster::connected, cluster::failovers, cluster::rejoins, cluster::refused);
        }
        for (Map.Entry<String, LoopbackSettings> profile : configuration.profiles().entrySet()) {
            LoopbackSettings settings = profile.getValue();
            UpstreamCredential credential = UpstreamCredential.of(settings.clientAuth(), settings.upstreamUrl(), clock);
            credentials.put(profile.getKey(), credential);
            UpstreamTokenClient client = new UpstreamTokenClient(settings, credential, inFlight, tracing::inject);
            clients.add(client);
            UpstreamHealth upstreamHealth = new UpstreamHealth(profile.getKey(), hostAndPort(settings),
                    settings.healthDownAfter(), clock);
            health.put(profile.getKey(), upstreamHealth);
            LoopbackMetrics.ProfileMetrics counters = metrics.forProfile(profile.getKey(), upstreamHealth);
            profileMetrics.put(profile.getKey(), counters);
            if (settings.dpop().enabled()) {
                dpopGates.put(profile.getKey(), new DpopGate(settings.dpop(), settings.upstreamUrl(), clock));
            }
            SelectingFields selecting = settings.clientAuth().owning()
                    ? new SelectingFields(settings.clientAuth(), json.getFactory()) : null;
            proxies.put(profile.getKey(), new TokenProxy(settings, caches.get(profile.getKey()), node, client,
                    new CacheKeys(settings, json), new TokenResponseInspector(json, settings.maxTokenLength(),
                    settings.dpop().enabled()), clock,
                    refreshExecutor, counters, selecting, ExchangeProfiles.of(settings, selecting, subjectDigest,
                            json.getFactory(), clock), tracing));
        }
    }

    /** The running instance of a web app, for its resources. */
    public static LoopbackRuntime of(jakarta.servlet.ServletContext context) {
        if (context.getAttribute(ATTRIBUTE) instanceof LoopbackRuntime runtime) {
            return runtime;
        }
        throw new IllegalStateException("loopback.war is not initialised");
    }

    /**
     * The proxy of a profile, or {@code null} when none has that name. One map lookup and no
     * Optional: the token servlet asks on every request.
     */
    public TokenProxy proxy(String profile) {
        return proxies.get(profile);
    }

    /**
     * The settings whose rules guard a request for {@code profile}: the profile's own, or the default
     * profile's when the name is unknown or the path named none ({@code null}), so strangers learn nothing.
     */
    public LoopbackSettings rules(String profile) {
        TokenProxy proxy = proxies.get(profile);
        return proxy != null ? proxy.settings() : defaultSettings;
    }

    /** {@code evict-all-interval}: the shortest time between two evict-alls of one profile, cluster-wide. */
    public java.time.Duration evictAllInterval() {
        return evictAllInterval;
    }

    /** The DPoP door of a profile that uses DPoP, else {@code null}. */
    public DpopGate dpop(String profile) {
        return dpopGates.get(profile);
    }

    public Map<String, TokenProxy> proxies() {
        return java.util.Collections.unmodifiableMap(proxies);
    }

    /** The counters of a configured profile (the same ones its proxy counts with). */
    public LoopbackMetrics.ProfileMetrics metrics(String profile) {
        LoopbackMetrics.ProfileMetrics counters = profileMetrics.get(profile);
        if (counters == null) {
            throw new IllegalArgumentException("no profile " + profile);
        }
        return counters;
    }

    /** What the upstream calls of a profile say about its health. */
    public UpstreamHealth health(String profile) {
        UpstreamHealth tracker = health.get(profile);
        if (tracker == null) {
            throw new IllegalArgumentException("no profile " + profile);
        }
        return tracker;
    }

    /** The {@code cache-tier} check: the heap only, or the clustered tier and whether it is reachable. */
    public HealthCheck cacheTier() {
        return cluster == null
                ? new HealthCheck("cache-tier", HealthStatus.UP, "ok", "heap (local to this node)")
                : cluster.check();
    }

    /**
     * The {@code credentials} check of a profile that reads its secret or key from a file (each file
     * checked now), or {@code null} when it reads none.
     */
    public HealthCheck credentialFiles(String profile) {
        UpstreamCredential credential = credentials.get(profile);
        return credential == null ? null : CredentialFilesHealth.check(credential.fileStatus());
    }

    /** A profile's health: its upstream, its stale answers, its credential files, and the cache tier under it. */
    public HealthStatus status(String profile) {
        HealthCheck files = credentialFiles(profile);
        HealthStatus status = health(profile).status().worst(cacheTier().status());
        return files == null ? status : status.worst(files.status());
    }

    public LoopbackTracing tracing() {
        return tracing;
    }

    public LoopbackMetrics metrics() {
        return metrics;
    }

    /** The web app's bytes in flight, which request bodies that must be awaited reserve too. */
    public InFlightBytes inFlight() {
        return inFlight;
    }

    public ObjectMapper json() {
        return json;
    }

    private static String hostAndPort(LoopbackSettings settings) {
        java.net.URI url = settings.upstreamUrl();
        int port = url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }

    @Override
    public void close() {
        refreshExecutor.shutdownNow();
        try {
            refreshExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clients.forEach(UpstreamTokenClient::close);
        if (cluster != null) {
            cluster.close();
        }
        cache.close();
    }
}
