package dev.authloopback.loopback.credentials;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The validated client-authentication settings of one profile. In {@link ClientAuthMethod#NONE}
 * only {@code trustStore} may be set (an https upstream with a private CA); everything else is
 * {@code null}. Holds secrets: {@link #toString()} and {@link #describe()} mask them.
 *
 * @param clientSecret       the inline {@code client-secret}, or {@code null} when {@code clientSecretFile} is used
 * @param clientKeyPassword  password of a PKCS#12 {@code client-key-file}, or {@code null}
 * @param clientKeyId        {@code kid} header; {@code null} means the key's RFC 7638 thumbprint
 * @param clientKeyAlg       RS256, PS256 or ES256; {@code null} means RS256 for RSA keys, ES256 for EC keys
 * @param scope              default {@code scope} when a caller sends none, or {@code null}
 * @param resources          default {@code resource} values (RFC 8707) when a caller sends none
 * @param audience           default {@code audience} when a caller sends none, or {@code null}
 */
public record ClientAuthSettings(
        ClientAuthMethod method,
        String clientId,
        String clientSecret,
        Path clientSecretFile,
        Path clientKeyFile,
        String clientKeyPassword,
        String clientKeyId,
        String clientKeyAlg,
        Duration assertionLifetime,
        Path keyStore,
        String keyStorePassword,
        Path trustStore,
        String trustStorePassword,
        String grantType,
        String scope,
        List<String> resources,
        String audience) {

    public static final String DEFAULT_GRANT_TYPE = "client_credentials";
    /** RFC 7523 asks for a short-lived assertion; a minute covers clock skew and a slow IdP. */
    public static final Duration DEFAULT_ASSERTION_LIFETIME = Duration.ofSeconds(60);

    public ClientAuthSettings {
        resources = List.copyOf(resources);
    }

    /** Transparent mode: the caller's credentials are forwarded; the loopback holds none. */
    public static ClientAuthSettings transparent(Path trustStore, String trustStorePassword) {
        return new ClientAuthSettings(ClientAuthMethod.NONE, null, null, null, null, null, null, null,
                DEFAULT_ASSERTION_LIFETIME, null, null, trustStore, trustStorePassword, DEFAULT_GRANT_TYPE, null,
                List.of(), null);
    }

    public boolean owning() {
        return method.owning();
    }

    /** Settings for the start-up line: paths and ids shown, secrets and passwords never. */
    public String describe() {
        StringBuilder line = new StringBuilder("client-auth=").append(method.settingValue());
        if (owning()) {
            line.append(" client-id=").append(clientId).append(" grant-type=").append(grantType);
            append(line, "client-secret", clientSecret == null ? null : "<masked>");
            append(line, "client-secret-file", clientSecretFile);
            append(line, "client-key-file", clientKeyFile);
            append(line, "client-key-password", clientKeyPassword == null ? null : "<masked>");
            append(line, "client-key-id", clientKeyId);
            append(line, "client-key-alg", clientKeyAlg);
            if (method == ClientAuthMethod.PRIVATE_KEY_JWT) {
                append(line, "assertion-lifetime", assertionLifetime);
            }
            append(line, "key-store", keyStore);
            append(line, "key-store-password", keyStorePassword == null ? null : "<masked>");
            append(line, "scope", scope);
            append(line, "resource", resources.isEmpty() ? null : String.join(",", resources));
            append(line, "audience", audience);
        }
        append(line, "trust-store", trustStore);
        append(line, "trust-store-password", trustStorePassword == null ? null : "<masked>");
        return line.toString();
    }

    private static void append(StringBuilder line, String name, Object value) {
        if (value != null) {
            line.append(' ').append(name).append('=').append(value);
        }
    }

    @Override
    public String toString() {
        return "ClientAuthSettings[" + describe() + "]";
    }
}
