package dev.authloopback.loopback.config;

import java.time.Duration;

/**
 * How much and how long, for one profile: heap entries ({@code max-entries}), the upstream's time
 * ({@code connect-timeout}, {@code read-timeout}), body sizes ({@code max-request-bytes},
 * {@code max-response-bytes}), the token's length ({@code max-token-length}) and the forced-refresh
 * rate ({@code min-refresh-interval}).
 */
record LimitSettings(long maxEntries, Duration connectTimeout, Duration readTimeout, long maxRequestBytes,
                     long maxResponseBytes, long maxTokenLength, Duration minRefreshInterval) {

    /** Reads the group in the order above, which is the order its problems are reported in. */
    static LimitSettings read(ProfileSource in) {
        return new LimitSettings(
                in.value(SettingNames.MAX_ENTRIES, LoopbackSettings.DEFAULT_MAX_ENTRIES, SettingValues::positiveLong),
                in.value(SettingNames.CONNECT_TIMEOUT, LoopbackSettings.DEFAULT_CONNECT_TIMEOUT,
                        SettingValues::positiveDuration),
                in.value(SettingNames.READ_TIMEOUT, LoopbackSettings.DEFAULT_READ_TIMEOUT,
                        SettingValues::positiveDuration),
                in.value(SettingNames.MAX_REQUEST_BYTES, LoopbackSettings.DEFAULT_MAX_REQUEST_BYTES,
                        SettingValues::positiveSize),
                in.value(SettingNames.MAX_RESPONSE_BYTES, LoopbackSettings.DEFAULT_MAX_RESPONSE_BYTES,
                        SettingValues::positiveSize),
                in.value(SettingNames.MAX_TOKEN_LENGTH, LoopbackSettings.DEFAULT_MAX_TOKEN_LENGTH, SettingValues::positiveSize),
                in.value(SettingNames.MIN_REFRESH_INTERVAL, LoopbackSettings.DEFAULT_MIN_REFRESH_INTERVAL,
                        SettingValues::nonNegativeDuration));
    }
}
