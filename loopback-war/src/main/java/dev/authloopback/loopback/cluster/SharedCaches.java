package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;
import org.ehcache.Cache;

/**
 * One profile's caches in one connection to the cluster: tokens (heap tier over the clustered
 * tier), leases and marks (clustered only, strongly consistent), and for an exchange profile its
 * subject index ({@code null} otherwise), each under entry names and with sealed values
 * ({@link ClusterValue}). {@code generation} names the connection, so a failure seen
 * on an old one never tears down its successor.
 */
record SharedCaches(long generation, Cache<String, ClusterValue<CachedToken>> tokens,
                    Cache<String, ClusterValue<Lease>> leases, Cache<String, ClusterValue<Mark>> marks,
                    Cache<String, ClusterValue<SubjectKeys>> subjects, Names names) {

    /** The caches' names in the cluster, for the refusal counter and its log line. */
    record Names(String tokens, String leases, String marks, String subjects) {
    }
}
