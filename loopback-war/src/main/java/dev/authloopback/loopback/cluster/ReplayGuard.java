package dev.authloopback.loopback.cluster;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this node remembers of one profile's entries to refuse values written back: per entry the
 * newest {@code storedAt} it has seen and the "not before" of its last eviction, and the last
 * evict-all. A value read from the cluster that is older than any of them was written back, and is
 * refused. Bounded: past {@code capacity} names, half are forgotten (for those, only the marks in
 * the cluster still refuse a replay, as on a node that restarted).
 */
final class ReplayGuard {
    private final int capacity;
    private final ConcurrentHashMap<String, Long> newest = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> notBefore = new ConcurrentHashMap<>();
    private volatile long allNotBefore;

    ReplayGuard(long maxEntries) {
        this.capacity = (int) Math.min(Integer.MAX_VALUE / 4, Math.max(1024, 4 * maxEntries));
    }

    /** The instant before which a value for {@code name} is a replay, as far as this node knows. */
    long floor(String name) {
        long seen = newest.getOrDefault(name, 0L);
        long evicted = notBefore.getOrDefault(name, 0L);
        return Math.max(allNotBefore, Math.max(seen, evicted));
    }

    void saw(String name, long storedAt) {
        remember(newest, name, storedAt);
    }

    void evicted(String name, long notBeforeInstant) {
        remember(notBefore, name, notBeforeInstant);
    }

    void evictedAll(long notBeforeInstant) {
        synchronized (this) {
            allNotBefore = Math.max(allNotBefore, notBeforeInstant);
        }
    }

    private void remember(ConcurrentHashMap<String, Long> map, String name, long instant) {
        map.merge(name, instant, Math::max);
        if (map.size() > capacity) {
            Iterator<Long> it = map.values().iterator();
            for (int i = 0; i < capacity / 2 && it.hasNext(); i++) {
                it.next();
                it.remove();
            }
        }
    }
}
