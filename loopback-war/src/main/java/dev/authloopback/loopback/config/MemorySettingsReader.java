package dev.authloopback.loopback.config;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Reads the web-app-wide memory settings and checks them against every profile: a budget too small
 * for the largest entry or transfer a profile allows would refuse that profile's answers forever,
 * which is a configuration mistake, not a runtime event.
 */
final class MemorySettingsReader {
    private final SettingsSources sources;
    private final List<String> problems;

    MemorySettingsReader(SettingsSources sources, List<String> problems) {
        this.sources = sources;
        this.problems = problems;
    }

    /** @return the settings, or {@code null} when a problem was found */
    MemorySettings read(Collection<LoopbackSettings> profiles) {
        int before = problems.size();
        long cache = size(SettingNames.MAX_CACHE_BYTES, MemorySettings.DEFAULT_MAX_CACHE_BYTES);
        long inFlight = size(SettingNames.MAX_BYTES_IN_FLIGHT, MemorySettings.DEFAULT_MAX_BYTES_IN_FLIGHT);
        long exchangeCache = size(SettingNames.MAX_EXCHANGE_CACHE_BYTES, MemorySettings.DEFAULT_MAX_EXCHANGE_CACHE_BYTES);
        if (problems.size() > before) {
            return null;
        }
        for (LoopbackSettings profile : profiles) {
            long largest = MemorySettings.largestEntry(profile);
            // An exchange profile's entries live in a budget of their own; the other budget never holds them.
            String budgetSetting = profile.exchange() == null ? SettingNames.MAX_CACHE_BYTES
                    : SettingNames.MAX_EXCHANGE_CACHE_BYTES;
            long budget = profile.exchange() == null ? cache : exchangeCache;
            if (budget < largest) {
                problems.add(SettingNames.PREFIX + budgetSetting + "='" + shown(budgetSetting)
                        + "': smaller than the largest entry profile '" + profile.profile() + "' may store ("
                        + SettingNames.MAX_RESPONSE_BYTES + "=" + profile.maxResponseBytes() + " + "
                        + (MemorySettings.KEY_ALLOWANCE_BYTES + MemorySettings.ENTRY_OVERHEAD_BYTES)
                        + " bytes for the key and the entry = " + largest + "); raise it or lower "
                        + SettingNames.MAX_RESPONSE_BYTES);
            }
            long transfer = Math.max(profile.maxResponseBytes(), profile.maxRequestBytes());
            if (inFlight < transfer) {
                problems.add(SettingNames.PREFIX + SettingNames.MAX_BYTES_IN_FLIGHT + "='"
                        + shown(SettingNames.MAX_BYTES_IN_FLIGHT) + "': smaller than one transfer of profile '"
                        + profile.profile() + "' (" + SettingNames.MAX_RESPONSE_BYTES + "=" + profile.maxResponseBytes()
                        + ", " + SettingNames.MAX_REQUEST_BYTES + "=" + profile.maxRequestBytes() + ")");
            }
        }
        return problems.size() > before ? null : new MemorySettings(cache, inFlight, exchangeCache);
    }

    private long size(String setting, long fallback) {
        Optional<String> raw = sources.global(setting);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            return SettingValues.positiveSize(raw.get());
        } catch (RuntimeException e) {
            problems.add(SettingNames.PREFIX + setting + "='" + raw.get() + "': " + e.getMessage());
            return fallback;
        }
    }

    private String shown(String setting) {
        return sources.global(setting).orElse("(default)");
    }
}
