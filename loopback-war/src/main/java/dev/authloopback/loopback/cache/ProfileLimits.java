package dev.authloopback.loopback.cache;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.MemorySettings;

import java.time.Duration;

/**
 * What one profile allows its cache, on the heap and in the clustered tier alike.
 *
 * @param maxEntries         entries of the heap tier ({@code max-entries})
 * @param tti                idle limit of an entry ({@code tti})
 * @param minRefreshInterval least time between two evictions of one key ({@code min-refresh-interval});
 *                           the clustered tier keeps its eviction marks that long
 * @param largestEntryBytes  weight of the heaviest entry the profile can store
 *                           ({@link MemorySettings#largestEntry}): a heap tier bounded by count is
 *                           sized with it
 * @param exchange           an exchange profile: held to {@code max-exchange-cache-bytes}, and its
 *                           entries indexed by user and session, in the clustered tier too, so a
 *                           back-channel logout on any node finds them
 */
public record ProfileLimits(long maxEntries, Duration tti, Duration minRefreshInterval, long largestEntryBytes,
                            boolean exchange) {

    /** Limits of a profile that is no exchange profile. */
    public ProfileLimits(long maxEntries, Duration tti, Duration minRefreshInterval, long largestEntryBytes) {
        this(maxEntries, tti, minRefreshInterval, largestEntryBytes, false);
    }

    /** Limits of a profile with the default {@code max-response-bytes}. */
    public ProfileLimits(long maxEntries, Duration tti, Duration minRefreshInterval) {
        this(maxEntries, tti, minRefreshInterval, LoopbackSettings.DEFAULT_MAX_RESPONSE_BYTES
                + MemorySettings.KEY_ALLOWANCE_BYTES + MemorySettings.ENTRY_OVERHEAD_BYTES);
    }

    public static ProfileLimits of(LoopbackSettings settings) {
        return new ProfileLimits(settings.maxEntries(), settings.tti(), settings.minRefreshInterval(),
                MemorySettings.largestEntry(settings), settings.exchange() != null);
    }
}
