package dev.authloopback.loopback.config;

import java.time.Duration;

/**
 * How long one profile's tokens are served from the cache: {@code ttl}, {@code tti},
 * {@code expiry-skew}, {@code refresh-ahead}.
 */
record ExpirySettings(Duration ttl, Duration tti, Duration expirySkew, double refreshAhead) {

    /** Reads the group in the order above, which is the order its problems are reported in. */
    static ExpirySettings read(ProfileSource in) {
        return new ExpirySettings(
                in.value(SettingNames.TTL, LoopbackSettings.DEFAULT_TTL, SettingValues::positiveDuration),
                in.value(SettingNames.TTI, LoopbackSettings.DEFAULT_TTI, SettingValues::positiveDuration),
                in.value(SettingNames.EXPIRY_SKEW, LoopbackSettings.DEFAULT_EXPIRY_SKEW,
                        SettingValues::nonNegativeDuration),
                in.value(SettingNames.REFRESH_AHEAD, LoopbackSettings.DEFAULT_REFRESH_AHEAD,
                        ExpirySettings::fraction));
    }

    private static double fraction(String raw) {
        double value;
        try {
            value = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number");
        }
        if (!(value >= 0.0 && value < 1.0)) {
            throw new IllegalArgumentException("must be a fraction in [0, 1), e.g. 0.1; 0 disables");
        }
        return value;
    }
}
