package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClientAuthSettings;
import dev.authloopback.loopback.config.ExchangeSettings;

import java.util.List;

/**
 * Reads the exchange settings of a profile whose {@code grant-type} exchanges a user token. The
 * subject token must be checked before any upstream call (else every random string reaching a
 * business app costs one IdP call), so the issuer, audience and key set are required; on any other
 * profile they are a mistake worth naming.
 */
final class ExchangeSettingsReader {
    static final List<String> SETTINGS = List.of(SettingNames.SUBJECT_ISSUER, SettingNames.SUBJECT_AUDIENCE,
            SettingNames.SUBJECT_JWKS_URL, SettingNames.MAX_SUBJECT_LIFETIME, SettingNames.EXCHANGE_RATE_LIMIT,
            SettingNames.SUBJECT_NEGATIVE_TTL, SettingNames.LOGOUT_AUDIENCE);

    private ExchangeSettingsReader() {
    }

    /** @return the settings, or {@code null} for a profile that exchanges nothing or when a problem was recorded */
    static ExchangeSettings read(ProfileSource in, ClientAuthSettings clientAuth) {
        ExchangeSettings.Shape shape = clientAuth == null || !clientAuth.owning() ? null
                : ExchangeSettings.shapeOf(clientAuth.grantType());
        if (shape == null) {
            for (String name : SETTINGS) {
                if (in.isSet(name)) {
                    in.problem(in.name(name) + ": only used by an owning profile whose " + SettingNames.GRANT_TYPE
                            + " is " + ExchangeSettings.TOKEN_EXCHANGE_GRANT + " or " + ExchangeSettings.JWT_BEARER_GRANT);
                }
            }
            return null;
        }
        int before = in.problemCount();
        String issuer = in.required(SettingNames.SUBJECT_ISSUER, raw -> raw.trim());
        String audience = in.required(SettingNames.SUBJECT_AUDIENCE, raw -> raw.trim());
        java.net.URI jwks = in.required(SettingNames.SUBJECT_JWKS_URL, SettingValues::httpUrl);
        java.time.Duration lifetime = in.value(SettingNames.MAX_SUBJECT_LIFETIME,
                ExchangeSettings.DEFAULT_MAX_SUBJECT_LIFETIME, SettingValues::positiveDuration);
        int rate = in.value(SettingNames.EXCHANGE_RATE_LIMIT, ExchangeSettings.DEFAULT_RATE_LIMIT,
                SettingValues::positiveInt);
        java.time.Duration negative = in.value(SettingNames.SUBJECT_NEGATIVE_TTL,
                ExchangeSettings.DEFAULT_NEGATIVE_TTL, SettingValues::nonNegativeDuration);
        String logoutAudience = in.value(SettingNames.LOGOUT_AUDIENCE, clientAuth.clientId(), raw -> raw.trim());
        if (in.problemCount() > before) {
            return null;
        }
        return new ExchangeSettings(shape, issuer, audience, jwks, lifetime, rate, negative, logoutAudience);
    }
}
