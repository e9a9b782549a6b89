package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClientAssertionFile;
import dev.authloopback.loopback.credentials.ClientAuthMethod;
import dev.authloopback.loopback.credentials.ClientAuthSettings;
import dev.authloopback.loopback.credentials.CredentialFileException;
import dev.authloopback.loopback.credentials.CredentialFiles;
import dev.authloopback.loopback.credentials.SigningKey;
import dev.authloopback.loopback.credentials.UpstreamTls;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the credential an owning mode authenticates with, one reader per kind: a client secret
 * (inline or in a file; for {@code client_secret_jwt} long enough to key HS256), a signing key or a
 * platform-issued assertion for {@code private_key_jwt}, or a key store for {@code tls_client_auth}.
 * Each file is opened now, so a missing file or a wrong password fails the deployment naming the
 * setting instead of failing the first token request.
 */
final class ClientCredentialReader {
    private static final Set<String> ALGORITHMS = Set.of("RS256", "PS256", "ES256");
    private static final Duration MAX_ASSERTION_LIFETIME = Duration.ofMinutes(10);
    /** What only the loopback's own signing uses; a platform-issued assertion comes signed and dated. */
    private static final List<String> SIGNING_SETTINGS = List.of(SettingNames.CLIENT_KEY_PASSWORD,
            SettingNames.CLIENT_KEY_ID, SettingNames.CLIENT_KEY_ALG, SettingNames.ASSERTION_LIFETIME);

    private final ProfileSource in;

    ClientCredentialReader(ProfileSource in) {
        this.in = in;
    }

    /** @return the credential of an owning mode, or {@code null} when a problem was recorded */
    Credential read(ClientAuthMethod method, URI upstream) {
        return switch (method) {
            case CLIENT_SECRET_BASIC, CLIENT_SECRET_POST, CLIENT_SECRET_JWT -> clientSecret(method);
            case PRIVATE_KEY_JWT -> privateKeyJwt(method);
            case TLS_CLIENT_AUTH -> tlsKeyStore(method, upstream);
            default -> throw new IllegalStateException(method.name());
        };
    }

    /**
     * {@code client-secret} or {@code client-secret-file}: exactly one of them. For
     * {@code client_secret_jwt}, at least 32 bytes (HS256) and an {@code assertion-lifetime}.
     */
    private Credential clientSecret(ClientAuthMethod method) {
        boolean hmac = method == ClientAuthMethod.CLIENT_SECRET_JWT;
        String secret = in.value(SettingNames.CLIENT_SECRET, null, raw -> raw);
        Path file = in.value(SettingNames.CLIENT_SECRET_FILE, null, Path::of);
        Duration lifetime = hmac ? lifetime() : ClientAuthSettings.DEFAULT_ASSERTION_LIFETIME;
        if (secret != null && file != null) {
            in.problem(in.name(SettingNames.CLIENT_SECRET) + "='<masked>': set either "
                    + SettingNames.CLIENT_SECRET + " or " + SettingNames.CLIENT_SECRET_FILE + ", not both");
            return null;
        }
        if (secret == null && file == null) {
            in.problem(in.name(SettingNames.CLIENT_SECRET) + ": required with "
                    + SettingNames.CLIENT_AUTH + "=" + method.settingValue() + " (or "
                    + in.name(SettingNames.CLIENT_SECRET_FILE) + " naming a file that holds it)");
            return null;
        }
        if (file != null && !loads(SettingNames.CLIENT_SECRET_FILE, file, null,
                () -> hmac ? SigningKey.hmac(CredentialFiles.readSecret(file)) : CredentialFiles.readSecret(file))) {
            return null;
        }
        if (secret != null && hmac) {
            try {
                SigningKey.hmac(secret);
            } catch (CredentialFileException e) {
                in.problem(in.name(SettingNames.CLIENT_SECRET) + "='<masked>': " + e.getMessage());
                return null;
            }
        }
        return new Credential(secret, file, null, null, null, null, lifetime, null, null, null, null, null);
    }

    /** {@code private_key_jwt}: a key the loopback signs with, or an assertion the platform signed. */
    private Credential privateKeyJwt(ClientAuthMethod method) {
        Path keyFile = in.value(SettingNames.CLIENT_KEY_FILE, null, Path::of);
        Path assertionFile = in.value(SettingNames.CLIENT_ASSERTION_FILE, null, Path::of);
        if (keyFile != null && assertionFile != null) {
            in.problem(in.name(SettingNames.CLIENT_ASSERTION_FILE) + "='" + assertionFile + "': set either "
                    + SettingNames.CLIENT_KEY_FILE + " (the loopback signs) or " + SettingNames.CLIENT_ASSERTION_FILE
                    + " (the platform signs), not both");
            return null;
        }
        if (assertionFile != null) {
            return assertionFile(assertionFile);
        }
        if (keyFile == null) {
            in.problem(in.name(SettingNames.CLIENT_KEY_FILE) + ": required with " + SettingNames.CLIENT_AUTH + "="
                    + method.settingValue() + " (or " + in.name(SettingNames.CLIENT_ASSERTION_FILE)
                    + " naming a platform-issued JWT)");
            return null;
        }
        if (in.isSet(SettingNames.CLIENT_ASSERTION_TYPE)) {
            in.problem(in.name(SettingNames.CLIENT_ASSERTION_TYPE) + "=(set): only with "
                    + SettingNames.CLIENT_ASSERTION_FILE + "; an assertion the loopback signs is "
                    + ClientAuthSettings.JWT_BEARER + " (RFC 7523)");
            return null;
        }
        return signingKey(keyFile);
    }

    /** The key file and how assertions are signed with it. */
    private Credential signingKey(Path file) {
        String password = in.value(SettingNames.CLIENT_KEY_PASSWORD, null, raw -> raw);
        String keyId = in.value(SettingNames.CLIENT_KEY_ID, null, raw -> raw);
        String alg = in.value(SettingNames.CLIENT_KEY_ALG, null, ClientCredentialReader::algorithm);
        Duration lifetime = lifetime();
        SigningKey[] loaded = new SigningKey[1];
        if (!loads(SettingNames.CLIENT_KEY_FILE, file, SettingNames.CLIENT_KEY_PASSWORD,
                () -> loaded[0] = SigningKey.load(file, password, keyId, alg))) {
            return null;
        }
        return new Credential(null, null, file, password, keyId, alg, lifetime, null, null, loaded[0].publicIds(),
                null, null);
    }

    /**
     * Workload identity: the platform's JWT, sent as it is with {@code client-assertion-type}. Missing or
     * unparsable fails the deployment; an expired one does not (see {@code ClientAssertionFile}).
     */
    private Credential assertionFile(Path file) {
        int before = in.problemCount();
        for (String setting : SIGNING_SETTINGS) {
            if (in.isSet(setting)) {
                in.problem(in.name(setting) + "=" + (SettingNames.isSecret(setting) ? "'<masked>'" : "(set)")
                        + ": not used with " + SettingNames.CLIENT_ASSERTION_FILE
                        + " (the platform's JWT is sent as it is: signed, and dated, by the platform)");
            }
        }
        String type = in.value(SettingNames.CLIENT_ASSERTION_TYPE, ClientAuthSettings.JWT_BEARER,
                ClientCredentialReader::assertionType);
        loads(SettingNames.CLIENT_ASSERTION_FILE, file, null, () -> ClientAssertionFile.readExpiry(file));
        if (in.problemCount() > before) {
            return null;
        }
        return new Credential(null, null, null, null, null, null, ClientAuthSettings.DEFAULT_ASSERTION_LIFETIME,
                null, null, null, file, type);
    }

    /** {@code tls_client_auth} (RFC 8705): the client certificate's key store, over https only. */
    private Credential tlsKeyStore(ClientAuthMethod method, URI upstream) {
        Path store = in.value(SettingNames.KEY_STORE, null, Path::of);
        String password = in.value(SettingNames.KEY_STORE_PASSWORD, null, raw -> raw);
        boolean ok = true;
        if (upstream != null && !"https".equalsIgnoreCase(upstream.getScheme())) {
            in.problem(in.name(SettingNames.UPSTREAM_URL) + "='" + upstream + "': "
                    + SettingNames.CLIENT_AUTH + "=tls_client_auth needs an https token endpoint");
            ok = false;
        }
        if (store == null || password == null) {
            required(store == null ? SettingNames.KEY_STORE : SettingNames.KEY_STORE_PASSWORD, method);
            return null;
        }
        ok &= loads(SettingNames.KEY_STORE, store, SettingNames.KEY_STORE_PASSWORD, () -> {
            KeyStore keyStore = CredentialFiles.loadKeyStore(store, password);
            UpstreamTls.checkKeyStore(keyStore, password);
            return keyStore;
        });
        return ok ? new Credential(null, null, null, null, null, null, ClientAuthSettings.DEFAULT_ASSERTION_LIFETIME,
                store, password, null, null, null) : null;
    }

    void required(String setting, ClientAuthMethod method) {
        in.problem(in.name(setting) + ": required with " + SettingNames.CLIENT_AUTH + "="
                + method.settingValue());
    }

    /** Opens a file now; a failure names the password setting when the password was wrong. */
    boolean loads(String fileSetting, Path file, String passwordSetting, Supplier<?> load) {
        try {
            load.get();
            return true;
        } catch (CredentialFileException e) {
            if (e.wrongPassword() && passwordSetting != null) {
                in.problem(in.name(passwordSetting) + "='<masked>': " + e.getMessage() + " ("
                        + in.name(fileSetting) + "=" + file + ")");
            } else {
                in.problem(in.name(fileSetting) + "='" + file + "': " + e.getMessage());
            }
            return false;
        }
    }

    private Duration lifetime() {
        return in.value(SettingNames.ASSERTION_LIFETIME, ClientAuthSettings.DEFAULT_ASSERTION_LIFETIME,
                ClientCredentialReader::assertionLifetime);
    }

    private static String algorithm(String raw) {
        String alg = raw.trim().toUpperCase(Locale.ROOT);
        if (!ALGORITHMS.contains(alg)) {
            throw new IllegalArgumentException("must be one of RS256, PS256, ES256");
        }
        return alg;
    }

    private static Duration assertionLifetime(String raw) {
        Duration lifetime = SettingValues.positiveDuration(raw);
        if (lifetime.compareTo(MAX_ASSERTION_LIFETIME) > 0) {
            throw new IllegalArgumentException("must be at most " + MAX_ASSERTION_LIFETIME
                    + " (RFC 7523 assertions are short-lived)");
        }
        return lifetime;
    }

    /** RFC 7521 §4.2: {@code client_assertion_type} is an absolute URI. */
    private static String assertionType(String raw) {
        String value = raw.trim();
        try {
            if (new URI(value).isAbsolute()) {
                return value;
            }
        } catch (URISyntaxException e) {
            // Named below, as for a relative one.
        }
        throw new IllegalArgumentException("must be an absolute URI (RFC 7521 §4.2), e.g. "
                + ClientAuthSettings.JWT_BEARER + " or urn:ietf:params:oauth:client-assertion-type:jwt-spiffe");
    }

    /**
     * The credential fields of {@link ClientAuthSettings}; those of other modes are {@code null}.
     * Holds secrets: {@link #toString()} masks them.
     *
     * @param clientKeyIds the public identifiers of the key read now, for the start-up line
     */
    record Credential(String clientSecret, Path clientSecretFile, Path clientKeyFile, String clientKeyPassword,
                      String clientKeyId, String clientKeyAlg, Duration assertionLifetime, Path keyStore,
                      String keyStorePassword, String clientKeyIds, Path clientAssertionFile,
                      String clientAssertionType) {
        @Override
        public String toString() {
            return "Credential[clientSecretFile=" + clientSecretFile + ", clientKeyFile=" + clientKeyFile
                    + ", clientAssertionFile=" + clientAssertionFile + ", keyStore=" + keyStore + ", secrets <masked>]";
        }
    }
}
