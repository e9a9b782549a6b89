package dev.authloopback.loopback.cluster;

import org.ehcache.expiry.ExpiryPolicy;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * A clustered cache's expiry, on its opened values as the heap cache would have it; a value that
 * does not open lives {@code unopenable} long (not zero: a store must see it to count and replace
 * it, and Ehcache would hide an expired one).
 */
final class ClusterValueExpiry<V> implements ExpiryPolicy<String, ClusterValue<V>> {
    private final ExpiryPolicy<String, V> opened;
    private final Duration unopenable;

    ClusterValueExpiry(ExpiryPolicy<String, V> opened, Duration unopenable) {
        this.opened = opened;
        this.unopenable = unopenable;
    }

    @Override
    public Duration getExpiryForCreation(String key, ClusterValue<V> value) {
        return value.opened() ? opened.getExpiryForCreation(key, value.value()) : unopenable;
    }

    @Override
    public Duration getExpiryForAccess(String key, Supplier<? extends ClusterValue<V>> value) {
        ClusterValue<V> v = value.get();
        return v.opened() ? opened.getExpiryForAccess(key, v::value) : null;
    }

    @Override
    public Duration getExpiryForUpdate(String key, Supplier<? extends ClusterValue<V>> oldValue,
                                       ClusterValue<V> newValue) {
        if (!newValue.opened()) {
            return unopenable;
        }
        return opened.getExpiryForUpdate(key, () -> {
            ClusterValue<V> old = oldValue.get();
            return old == null || !old.opened() ? null : old.value();
        }, newValue.value());
    }
}
