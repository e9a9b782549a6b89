package dev.authloopback.loopback.config;

import dev.authloopback.loopback.access.AddressAllowList;

import java.time.Duration;

/**
 * Who may call one profile, and on what terms: the token resource's address list and shared
 * secret ({@code allow-from}, {@code shared-secret}, {@code shared-secret-header}), the admin
 * resource's ({@code admin-allow-from}, {@code admin-secret}, which defaults to the shared secret), how soon a caller's body must arrive
 * ({@code request-body-timeout}) and the one port token calls are answered on ({@code token-port}).
 */
record AccessSettings(AddressAllowList allowFrom, String sharedSecret, String sharedSecretHeader,
                      AddressAllowList adminAllowFrom, String adminSecret, Duration requestBodyTimeout,
                      int tokenPort) {

    /**
     * Reads the group in the order above, which is the order its problems are reported in. Without an
     * {@code admin-secret} of its own, a profile with a {@code shared-secret} guards its admin views
     * with that one: a secret that keeps strangers from tokens must keep them from emptying the cache
     * and reading its health too.
     */
    static AccessSettings read(ProfileSource in) {
        String sharedSecret = in.value(SettingNames.SHARED_SECRET, null, AccessSettings::secret);
        return new AccessSettings(
                in.value(SettingNames.ALLOW_FROM, AddressAllowList.parse(AddressAllowList.LOOPBACK_ONLY),
                        AddressAllowList::parse),
                sharedSecret,
                in.value(SettingNames.SHARED_SECRET_HEADER, LoopbackSettings.DEFAULT_SHARED_SECRET_HEADER,
                        SettingValues::headerName),
                in.value(SettingNames.ADMIN_ALLOW_FROM, AddressAllowList.parse(AddressAllowList.LOOPBACK_ONLY),
                        AddressAllowList::parse),
                in.value(SettingNames.ADMIN_SECRET, sharedSecret, AccessSettings::secret),
                in.value(SettingNames.REQUEST_BODY_TIMEOUT, LoopbackSettings.DEFAULT_REQUEST_BODY_TIMEOUT,
                        SettingValues::positiveDuration),
                in.value(SettingNames.TOKEN_PORT, LoopbackSettings.ANY_PORT, SettingValues::port));
    }

    private static String secret(String raw) {
        if (raw.length() < 16) {
            throw new IllegalArgumentException("must be at least 16 characters");
        }
        return raw;
    }

    /** Holds secrets: shown masked, like {@link LoopbackSettings#describe()}. */
    @Override
    public String toString() {
        return "AccessSettings[allowFrom=" + allowFrom + ", sharedSecret=" + masked(sharedSecret)
                + ", sharedSecretHeader=" + sharedSecretHeader + ", adminAllowFrom=" + adminAllowFrom
                + ", adminSecret=" + masked(adminSecret) + ", requestBodyTimeout=" + requestBodyTimeout
                + ", tokenPort=" + tokenPort + "]";
    }

    private static String masked(String secret) {
        return secret == null ? "<none>" : "<masked>";
    }
}
