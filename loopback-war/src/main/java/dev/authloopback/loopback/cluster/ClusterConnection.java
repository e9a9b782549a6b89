package dev.authloopback.loopback.cluster;

import org.ehcache.CacheManager;

import java.time.Duration;
import java.util.Map;

import static dev.authloopback.loopback.cluster.ClusterLog.LOG;
import static dev.authloopback.loopback.cluster.ClusterLog.describe;

/**
 * One connected cache manager and every profile's caches in it; replaced as a whole on
 * reconnection. Its {@code generation} names it, so a failure seen on an old connection never tears
 * down its successor.
 */
final class ClusterConnection {
    private final long generation;
    private final CacheManager manager;
    private final Map<String, SharedCaches> caches;

    private ClusterConnection(long generation, CacheManager manager, Map<String, SharedCaches> caches) {
        this.generation = generation;
        this.manager = manager;
        this.caches = caches;
    }

    /**
     * Connects: builds and initialises a manager.
     *
     * @throws RuntimeException what Ehcache said when the server could not be reached or refused
     */
    static ClusterConnection open(long generation, ClusterCacheConfigurations configurations) {
        CacheManager manager = configurations.manager();
        try {
            manager.init();
        } catch (RuntimeException e) {
            closeQuietly(manager);
            throw e;
        }
        return new ClusterConnection(generation, manager, configurations.caches(manager, generation));
    }

    long generation() {
        return generation;
    }

    /** A profile's caches, or {@code null} for a profile the tier does not know. */
    SharedCaches caches(String profile) {
        return caches.get(profile);
    }

    /** Any one profile's caches: every profile has a set, and one write shows whether the server answers. */
    SharedCaches anyCaches() {
        return caches.values().iterator().next();
    }

    /** Closes on the calling thread; a failure to close is only logged. */
    void closeQuietly() {
        closeQuietly(manager);
    }

    /**
     * Not on the reconnecting worker: closing a manager whose server is gone can block in
     * Ehcache's own reconnection loop until that server answers again.
     */
    Thread closeInBackground() {
        Thread closer = new Thread(this::closeQuietly, "loopback-cluster-close-" + generation);
        closer.setDaemon(true);
        closer.start();
        return closer;
    }

    private static void closeQuietly(CacheManager manager) {
        try {
            manager.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "closing a broken cluster connection: " + describe(e));
        }
    }
}
