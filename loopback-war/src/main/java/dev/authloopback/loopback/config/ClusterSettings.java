package dev.authloopback.loopback.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The clustered tier's settings, one set for the whole web app (every profile's cache lives in the
 * same cluster tier manager). Absent when {@code cluster-uri} is not set. Every node of a cluster
 * must use the same values: the server refuses a cache whose configuration differs from the one it
 * already holds.
 *
 * @param uri               {@code terracotta://host:port[,host:port]/entity}
 * @param resource          the server's offheap resource the pools are carved from
 * @param poolBytes         dedicated server-side pool of each profile's token cache
 * @param readTimeout       a cluster read that takes longer fails, and the node falls back to its local cache
 * @param writeTimeout      likewise for writes
 * @param connectionTimeout connecting to the server (at start-up and each reconnection attempt)
 * @param retryInterval     pause between reconnection attempts while the server is unreachable
 * @param keyFile           {@code cluster-key-file}, the keys that seal every entry; {@code null} only when unsealed
 * @param unsealed          {@code cluster-unsealed=true}: the operator chose to share tokens in clear
 */
public record ClusterSettings(URI uri, String resource, long poolBytes, Duration readTimeout, Duration writeTimeout,
                              Duration connectionTimeout, Duration retryInterval, Path keyFile, boolean unsealed) {

    public static final String DEFAULT_RESOURCE = "main";
    public static final long DEFAULT_POOL_BYTES = 64L * 1024 * 1024;
    /** Cluster operations take about a millisecond on a LAN; a second means the server is gone or stuck. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(5);
    /** Smallest pool accepted: below it the server-side store cannot hold its own segments. */
    public static final long MIN_POOL_BYTES = 1024L * 1024;

    /** The settings without the key: tests and tools that build one by hand. */
    public ClusterSettings(URI uri, String resource, long poolBytes, Duration readTimeout, Duration writeTimeout,
                           Duration connectionTimeout, Duration retryInterval) {
        this(uri, resource, poolBytes, readTimeout, writeTimeout, connectionTimeout, retryInterval, null, true);
    }

    /** The cluster tier manager entity: the path of {@code cluster-uri}, without its slash. */
    public String entity() {
        return uri.getPath().substring(1);
    }

    public String describe() {
        return "cluster-uri=" + uri + " cluster-resource=" + resource + " cluster-pool-size=" + poolBytes / (1024 * 1024)
                + "MiB cluster-read-timeout=" + readTimeout + " cluster-write-timeout=" + writeTimeout
                + " cluster-connection-timeout=" + connectionTimeout + " cluster-retry-interval=" + retryInterval
                + (unsealed ? " cluster-unsealed=true" : " cluster-key-file=" + keyFile);
    }
}
