package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;
import org.ehcache.Cache;

/**
 * One profile's caches in one connection to the cluster: tokens (heap tier over the clustered
 * tier), leases and eviction marks (clustered only, strongly consistent). {@code generation} names
 * the connection, so a failure seen on an old one never tears down its successor.
 */
record SharedCaches(long generation, Cache<String, CachedToken> tokens, Cache<String, Lease> leases,
                    Cache<String, Long> evictions) {
}
