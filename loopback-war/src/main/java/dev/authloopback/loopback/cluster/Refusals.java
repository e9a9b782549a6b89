package dev.authloopback.loopback.cluster;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static dev.authloopback.loopback.cluster.ClusterLog.LOG;

/**
 * Values read from the clustered tier that this node did not use: counted per cache and reason
 * ({@code loopback_cluster_unopenable_total}) and logged at most once per {@link #LOG_INTERVAL},
 * the line saying how many more were refused since the last one. Neither says anything of the
 * entry's key or content.
 */
final class Refusals {
    static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

    private final Clock clock;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final AtomicLong nextLine = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder sinceLine = new LongAdder();

    Refusals(Clock clock) {
        this.clock = clock;
    }

    /** @param cache the cache's name in the cluster, e.g. {@code tokens-v2-default} */
    void refused(String cache, Refusal reason) {
        counts.computeIfAbsent(kind(cache) + "|" + reason.label(), k -> new LongAdder()).increment();
        long now = clock.millis();
        long next = nextLine.get();
        if (now >= next && nextLine.compareAndSet(next, now + LOG_INTERVAL.toMillis())) {
            long more = sinceLine.sumThenReset();
            LOG.log(System.Logger.Level.WARNING, "cluster value refused (" + cache + ": " + reason.label()
                    + "): treated as absent and replaced" + (more > 0 ? "; " + more + " more refused since the last"
                    + " such line" : "") + ". Values that do not open were written without this node's"
                    + " cluster-key-file (a process reaching the Terracotta port, or a node with other keys);"
                    + " see loopback_cluster_unopenable_total");
        } else {
            sinceLine.increment();
        }
    }

    /** cache kind (tokens, leases, marks) → reason → count, for the scrape. */
    Map<String, Map<String, Long>> counts() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        counts.forEach((k, v) -> {
            int bar = k.indexOf('|');
            out.computeIfAbsent(k.substring(0, bar), x -> new LinkedHashMap<>()).put(k.substring(bar + 1), v.sum());
        });
        return out;
    }

    private static String kind(String cache) {
        int dash = cache.indexOf('-');
        return dash < 0 ? cache : cache.substring(0, dash);
    }
}
