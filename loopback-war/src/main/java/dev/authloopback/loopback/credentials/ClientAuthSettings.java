package dev.authloopback.loopback.credentials;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The validated client-authentication settings of one profile. In {@link ClientAuthMethod#NONE}
 * only {@code trustStore} may be set (an https upstream with a private CA); everything else is
 * {@code null}. Holds secrets: {@link #toString()} and {@link #describe()} mask them.
 *
 * @param clientSecret       the inline {@code client-secret}, or {@code null} when {@code clientSecretFile} is used
 * @param clientKeyPassword  password of a PKCS#12 {@code client-key-file}, or {@code null}
 * @param clientKeyId        {@code kid} header; {@code null}: the JWK's own {@code kid}, else none is sent
 * @param clientKeyAlg       RS256, PS256 or ES256; {@code null}: the JWK's {@code alg}, else RS256 (RSA) / ES256 (EC)
 * @param clientAssertionFile {@code private_key_jwt} without a key: the platform-issued JWT sent as is, or {@code null}
 * @param clientAssertionType {@code client_assertion_type} sent with {@code clientAssertionFile}
 * @param clientKeyIds       the public identifiers of the key read at start-up ({@link SigningKey#publicIds()}),
 *                           for the start-up line; {@code null} without a {@code client-key-file}
 * @param scope              default {@code scope} when a caller sends none, or {@code null}
 * @param resources          default {@code resource} values (RFC 8707) when a caller sends none
 * @param audience           default {@code audience} when a caller sends none, or {@code null}
 * @param allowedScopes      the scope words a caller may ask for (any subset); default the words of {@code scope}
 * @param allowedResources   the {@code resource} values a caller may ask for; default {@code resources}
 * @param allowedAudiences   the {@code audience} values a caller may ask for; default {@code audience}
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
        Path clientAssertionFile,
        String clientAssertionType,
        String clientKeyIds,
        Path keyStore,
        String keyStorePassword,
        Path trustStore,
        String trustStorePassword,
        String grantType,
        String scope,
        List<String> resources,
        String audience,
        Set<String> allowedScopes,
        Set<String> allowedResources,
        Set<String> allowedAudiences) {

    public static final String DEFAULT_GRANT_TYPE = "client_credentials";
    /** RFC 7523 asks for a short-lived assertion; a minute covers clock skew and a slow IdP. */
    public static final Duration DEFAULT_ASSERTION_LIFETIME = Duration.ofSeconds(60);
    /** RFC 7523 §2.2: the {@code client_assertion_type} of a JWT; the default of {@code client-assertion-type}. */
    public static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public ClientAuthSettings {
        resources = List.copyOf(resources);
        allowedScopes = Set.copyOf(allowedScopes);
        allowedResources = Set.copyOf(allowedResources);
        allowedAudiences = Set.copyOf(allowedAudiences);
    }

    /**
     * Ceilings at their defaults: a caller may ask for the profile's own scope, resources and audience, no
     * more; no {@code client-assertion-file}.
     */
    public ClientAuthSettings(ClientAuthMethod method, String clientId, String clientSecret, Path clientSecretFile,
                              Path clientKeyFile, String clientKeyPassword, String clientKeyId, String clientKeyAlg,
                              Duration assertionLifetime, Path keyStore, String keyStorePassword, Path trustStore,
                              String trustStorePassword, String grantType, String scope, List<String> resources,
                              String audience) {
        this(method, clientId, clientSecret, clientSecretFile, clientKeyFile, clientKeyPassword, clientKeyId,
                clientKeyAlg, assertionLifetime, null, JWT_BEARER, null, keyStore, keyStorePassword, trustStore,
                trustStorePassword, grantType,
                scope, resources, audience, scopeWords(scope), Set.copyOf(resources),
                audience == null ? Set.of() : Set.of(audience));
    }

    /** RFC 6749 §3.3: a scope is a list of space-delimited, case-sensitive words; order and repeats carry no meaning. */
    public static Set<String> scopeWords(String scope) {
        if (scope == null) {
            return Set.of();
        }
        Set<String> words = new java.util.LinkedHashSet<>();
        for (String word : scope.split(" ")) {
            if (!word.isEmpty()) {
                words.add(word);
            }
        }
        return words;
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

    /** The loopback signs an assertion per upstream call: {@code private_key_jwt} with a key, {@code client_secret_jwt}. */
    public boolean signsAssertions() {
        return method == ClientAuthMethod.CLIENT_SECRET_JWT
                || method == ClientAuthMethod.PRIVATE_KEY_JWT && clientAssertionFile == null;
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
            if (clientKeyIds != null && !clientKeyIds.isEmpty()) {
                // Public identifiers only (kid sent, x5t#S256, RFC 7638 thumbprint): what to register or compare at the IdP.
                line.append(' ').append(clientKeyIds);
            }
            append(line, "client-assertion-file", clientAssertionFile);
            if (clientAssertionFile != null) {
                append(line, "client-assertion-type", clientAssertionType);
            }
            if (signsAssertions()) {
                append(line, "assertion-lifetime", assertionLifetime);
            }
            append(line, "key-store", keyStore);
            append(line, "key-store-password", keyStorePassword == null ? null : "<masked>");
            append(line, "scope", scope);
            append(line, "resource", resources.isEmpty() ? null : String.join(",", resources));
            append(line, "audience", audience);
            line.append(" allowed-scopes=").append(sorted(allowedScopes, " "))
                    .append(" allowed-resources=").append(sorted(allowedResources, ","))
                    .append(" allowed-audiences=").append(sorted(allowedAudiences, ","));
        }
        append(line, "trust-store", trustStore);
        append(line, "trust-store-password", trustStorePassword == null ? null : "<masked>");
        return line.toString();
    }

    private static String sorted(Set<String> values, String separator) {
        return values.isEmpty() ? "<none>" : String.join(separator, new java.util.TreeSet<>(values));
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
