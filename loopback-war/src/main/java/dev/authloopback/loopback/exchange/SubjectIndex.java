package dev.authloopback.loopback.exchange;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which cache keys hold entries made from a user's tokens, by {@code sub} and by {@code sid}, so a
 * logout evicts them. This node's view: it indexes the entries it stored. Each key is kept with the
 * time its entry ends, and ended ones are swept every {@link #SWEEP_EVERY} additions, so the index
 * never holds more than the live entries plus one sweep's worth.
 */
public final class SubjectIndex {
    static final int SWEEP_EVERY = 1024;

    private final Map<String, Map<String, Long>> bySub = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> bySid = new ConcurrentHashMap<>();
    private final AtomicInteger added = new AtomicInteger();

    public void add(String sub, String sid, String key, long endsAt, long now) {
        if (sub != null) {
            bySub.computeIfAbsent(sub, s -> new ConcurrentHashMap<>(2)).put(key, endsAt);
        }
        if (sid != null) {
            bySid.computeIfAbsent(sid, s -> new ConcurrentHashMap<>(2)).put(key, endsAt);
        }
        if (added.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep(bySub, now);
            sweep(bySid, now);
        }
    }

    /** Removes and returns the keys of {@code sub} (if not {@code null}) and of {@code sid} (if not {@code null}). */
    public List<String> take(String sub, String sid) {
        List<String> keys = new ArrayList<>();
        if (sub != null) {
            Map<String, Long> mine = bySub.remove(sub);
            if (mine != null) {
                keys.addAll(mine.keySet());
            }
        }
        if (sid != null) {
            Map<String, Long> mine = bySid.remove(sid);
            if (mine != null) {
                mine.keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add);
            }
        }
        return keys;
    }

    public void clear() {
        bySub.clear();
        bySid.clear();
    }

    int subjects() {
        return bySub.size();
    }

    private static void sweep(Map<String, Map<String, Long>> index, long now) {
        index.values().forEach(keys -> keys.values().removeIf(endsAt -> endsAt <= now));
        index.values().removeIf(Map::isEmpty);
    }
}
