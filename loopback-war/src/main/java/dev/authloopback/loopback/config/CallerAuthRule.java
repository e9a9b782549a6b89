package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClientAuthMethod;
import dev.authloopback.loopback.credentials.ClientAuthSettings;

import java.util.Locale;

/**
 * Checks {@code caller-auth} against a profile's {@code shared-secret} and {@code client-auth}.
 *
 * <p>In an owning mode the loopback authenticates upstream itself and hands the token to whoever
 * passes its guards. A loopback-only connector and {@code allow-from} keep other hosts out, but not
 * other local users: every process on the host can open a connection to 127.0.0.1. So an owning
 * profile needs a {@code shared-secret} (the default, {@code caller-auth=shared-secret}), unless
 * the operator writes {@code caller-auth=none}, which is logged as a warning at every start. In
 * transparent mode callers bring their own credentials, and the shared secret stays optional.
 */
final class CallerAuthRule {
    static final String SHARED_SECRET = "shared-secret";
    static final String NONE = "none";

    private CallerAuthRule() {
    }

    /**
     * @param sharedSecret the profile's shared secret, or {@code null}
     * @param clientAuth   the profile's client authentication, or {@code null} when it had problems
     */
    static void check(ProfileSource in, String sharedSecret, String sharedSecretHeader, ClientAuthSettings clientAuth) {
        String explicit = in.value(SettingNames.CALLER_AUTH, null, CallerAuthRule::parse);
        ClientAuthMethod method = clientAuth != null ? clientAuth.method() : quietMethod(in);
        // A secret that broke its own rule (too short) is reported as such, not as missing.
        boolean hasSecret = sharedSecret != null || in.isSet(SettingNames.SHARED_SECRET);
        if (NONE.equals(explicit)) {
            if (hasSecret) {
                in.problem(in.name(SettingNames.CALLER_AUTH) + "=none contradicts " + in.name(SettingNames.SHARED_SECRET)
                        + "='<masked>' (callers would still have to send it); remove one of them");
            }
            return;
        }
        boolean required = SHARED_SECRET.equals(explicit) || method.owning();
        if (required && !hasSecret) {
            String why = method.owning()
                    ? " with " + SettingNames.CLIENT_AUTH + "=" + method.settingValue() + ": this profile hands its own"
                            + " token to any caller that passes allow-from, and every local process (of any user) can"
                            + " reach a loopback-only port"
                    : " with " + in.name(SettingNames.CALLER_AUTH) + "=shared-secret";
            in.problem(in.name(SettingNames.SHARED_SECRET) + ": required" + why + "; set a secret of 16+ characters"
                    + " that the business apps send in " + sharedSecretHeader + " (filter: token-secret-file, or"
                    + " token-headers with ${env:...}), or set " + in.name(SettingNames.CALLER_AUTH) + "=none to accept any caller on"
                    + " allow-from");
        }
    }

    private static String parse(String raw) {
        String value = raw.trim().toLowerCase(Locale.ROOT);
        if (!SHARED_SECRET.equals(value) && !NONE.equals(value)) {
            throw new IllegalArgumentException("must be shared-secret or none");
        }
        return value;
    }

    /** The mode when client-auth had problems of its own (already reported): judged as written, if parseable. */
    private static ClientAuthMethod quietMethod(ProfileSource in) {
        return in.raw(SettingNames.CLIENT_AUTH).map(raw -> {
            try {
                return ClientAuthMethod.parse(raw);
            } catch (IllegalArgumentException e) {
                return ClientAuthMethod.NONE;
            }
        }).orElse(ClientAuthMethod.NONE);
    }
}
