package dev.authloopback.loopback.credentials;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the loopback authenticates to the token endpoint ({@code client-auth}). {@link #NONE} is the
 * transparent mode: the caller's request, credentials included, is forwarded. Every other value is an
 * <em>owning</em> mode: the loopback holds the credential and callers send only what selects a token.
 */
public enum ClientAuthMethod {
    NONE("none"),
    /** RFC 6749 §2.3.1: {@code Authorization: Basic} with the form-encoded id and secret. */
    CLIENT_SECRET_BASIC("client_secret_basic"),
    /** RFC 6749 §2.3.1: {@code client_id} and {@code client_secret} in the form body. */
    CLIENT_SECRET_POST("client_secret_post"),
    /** RFC 7523 §2.2: a freshly signed JWT per upstream call, or a platform-issued one from a file. */
    PRIVATE_KEY_JWT("private_key_jwt"),
    /** RFC 7523 §2.2 with HS256 keyed by the client secret (OpenID Connect Core §9). */
    CLIENT_SECRET_JWT("client_secret_jwt"),
    /** RFC 8705 §2.1: the client certificate on the TLS connection. */
    TLS_CLIENT_AUTH("tls_client_auth");

    private final String settingValue;

    ClientAuthMethod(String settingValue) {
        this.settingValue = settingValue;
    }

    /** The value as written in {@code client-auth} (the OAuth metadata name, RFC 8414). */
    public String settingValue() {
        return settingValue;
    }

    public boolean owning() {
        return this != NONE;
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static ClientAuthMethod parse(String raw) {
        String value = raw.trim().toLowerCase(Locale.ROOT);
        for (ClientAuthMethod method : values()) {
            if (method.settingValue.equals(value)) {
                return method;
            }
        }
        throw new IllegalArgumentException("must be one of " + Arrays.stream(values())
                .map(ClientAuthMethod::settingValue).collect(Collectors.joining(", ")));
    }
}
