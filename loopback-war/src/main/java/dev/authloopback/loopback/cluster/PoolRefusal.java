package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.config.ClusterSettings;

import java.time.Duration;
import java.util.Optional;

/**
 * The Terracotta server answered but refused this web app's pools (too little offheap, or no
 * resource of that name): a configuration mismatch, not an outage. Retrying every
 * {@code cluster-retry-interval} changes nothing until an operator acts, and each attempt makes
 * Ehcache's and Terracotta's client log some sixty lines; so it is said once, with what is needed,
 * and retried ever less often, up to {@link #LONGEST_RETRY}.
 */
final class PoolRefusal {

    /** Ehcache's words for a server that cannot carve the pools (ServerStoreConfiguration checks). */
    private static final String[] SIGNS = {"Insufficient defined resources", "Non-existent server side resource"};
    static final Duration LONGEST_RETRY = Duration.ofMinutes(5);
    private static final long MIB = 1024L * 1024;
    /** The leases and marks caches' pools, 1 MiB each, per profile (ClusterCacheConfigurations). */
    private static final long SMALL_POOLS_MIB = 2;
    /** An exchange profile's subject index, besides (ClusterCacheConfigurations). */
    static final long SUBJECT_POOL_MIB = 4;

    private PoolRefusal() {
    }

    /** The server's refusal, when {@code failure} is one. */
    static Optional<String> of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null) {
                for (String sign : SIGNS) {
                    if (message.contains(sign)) {
                        return Optional.of(message.length() > 300 ? message.substring(0, 300) + "…" : message);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** What this web app needs of the server, and the two ways to get there. */
    static String advice(ClusterSettings settings, int profiles, int exchangeProfiles) {
        long poolMib = settings.poolBytes() / MIB;
        long needed = profiles * (poolMib + SMALL_POOLS_MIB) + exchangeProfiles * SUBJECT_POOL_MIB;
        return "this web app needs " + needed + " MiB of the server's offheap resource '" + settings.resource() + "' ("
                + profiles + " profile(s) x (cluster-pool-size " + poolMib + " MiB + " + SMALL_POOLS_MIB
                + " MiB for leases and marks)" + (exchangeProfiles == 0 ? "" : " + " + exchangeProfiles
                + " exchange profile(s) x " + SUBJECT_POOL_MIB + " MiB for the subject index")
                + "), besides what other web apps' pools hold there; give the server at least"
                + " that (offheap-resources in its cluster.cfg) or lower loopback.cluster-pool-size";
    }

    /** The next wait after a refusal: twice the last, at most {@link #LONGEST_RETRY}. */
    static Duration next(Duration last) {
        Duration doubled = last.multipliedBy(2);
        return doubled.compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : doubled;
    }
}
