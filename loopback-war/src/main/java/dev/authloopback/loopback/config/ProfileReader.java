package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClientAuthSettings;
import dev.authloopback.loopback.config.ExchangeSettings;
import dev.authloopback.loopback.dpop.DpopSettings;

import java.net.URI;
import java.util.List;

/**
 * Reads one profile, group by group, adding problems instead of throwing. The groups are read in
 * a fixed order, which is the order their problems are reported in: the upstream URL, expiry
 * ({@link ExpirySettings}), cache keys and methods ({@link CacheKeySettings}), limits
 * ({@link LimitSettings}), access ({@link AccessSettings}), {@code health-down-after}, client
 * authentication ({@link ClientAuthReader}), then who callers must prove to be ({@link CallerAuthRule}).
 */
final class ProfileReader {
    private final ProfileSource in;

    ProfileReader(SettingsSources sources, String profile, List<String> problems) {
        this.in = new ProfileSource(sources, profile, problems);
    }

    /** @return the profile's settings, or {@code null} when a problem was recorded */
    LoopbackSettings read() {
        int before = in.problemCount();
        URI upstream = in.required(SettingNames.UPSTREAM_URL, SettingValues::httpUrl);
        ExpirySettings expiry = ExpirySettings.read(in);
        CacheKeySettings keys = CacheKeySettings.read(in);
        LimitSettings limits = LimitSettings.read(in);
        AccessSettings access = AccessSettings.read(in);
        int healthDownAfter = in.value(SettingNames.HEALTH_DOWN_AFTER, LoopbackSettings.DEFAULT_HEALTH_DOWN_AFTER,
                SettingValues::positiveInt);
        ClientAuthSettings clientAuth = new ClientAuthReader(in).read(upstream);
        DpopSettings dpop = DpopSettingsReader.read(in);
        CallerAuthRule.check(in, access.sharedSecret(), access.sharedSecretHeader(), clientAuth);
        ExchangeSettings exchange = ExchangeSettingsReader.read(in, clientAuth);
        if (in.problemCount() > before || !keys.methodsDisjoint(in)) {
            return null;
        }
        return new LoopbackSettings(in.profile(), upstream,
                expiry.ttl(), expiry.tti(), expiry.expirySkew(), expiry.refreshAhead(),
                keys.keyTemplate(), keys.keyHeaders(), keys.methods(), keys.passMethods(),
                limits.maxEntries(), limits.connectTimeout(), limits.readTimeout(), limits.maxRequestBytes(),
                limits.maxResponseBytes(), limits.maxTokenLength(), limits.minRefreshInterval(),
                access.allowFrom(), access.sharedSecret(), access.sharedSecretHeader(), access.adminAllowFrom(),
                access.adminSecret(), access.requestBodyTimeout(), access.tokenPort(),
                healthDownAfter, clientAuth, exchange, dpop);
    }
}
