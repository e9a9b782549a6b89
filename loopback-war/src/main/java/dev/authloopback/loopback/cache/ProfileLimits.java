package dev.authloopback.loopback.cache;

import dev.authloopback.loopback.config.LoopbackSettings;

import java.time.Duration;

/**
 * What one profile allows its cache, on the heap and in the clustered tier alike.
 *
 * @param maxEntries         entries of the heap tier ({@code max-entries})
 * @param tti                idle limit of an entry ({@code tti})
 * @param minRefreshInterval least time between two evictions of one key ({@code min-refresh-interval});
 *                           the clustered tier keeps its eviction marks that long
 */
public record ProfileLimits(long maxEntries, Duration tti, Duration minRefreshInterval) {

    public static ProfileLimits of(LoopbackSettings settings) {
        return new ProfileLimits(settings.maxEntries(), settings.tti(), settings.minRefreshInterval());
    }
}
