package dev.authloopback.loopback.config;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks one profile's client-authentication settings. Files are opened here, once, so a
 * missing secret, an unreadable key or a wrong password fails the deployment with a message naming
 * the setting, instead of failing the first token request.
 */
final class ClientAuthReader {
    private static final Pattern GRANT = Pattern.compile("[A-Za-z0-9_.:/-]+");
    private static final Set<String> ALGORITHMS = Set.of("RS256", "PS256", "ES256");
    private static final Duration MAX_ASSERTION_LIFETIME = Duration.ofMinutes(10);
    /** Which settings each owning mode uses; any other owning setting is a mistake worth naming. */
    private static final Map<ClientAuthMethod, Set<String>> USED = Map.of(
            ClientAuthMethod.NONE, Set.of(),
            ClientAuthMethod.CLIENT_SECRET_BASIC, Set.of(SettingNames.CLIENT_SECRET, SettingNames.CLIENT_SECRET_FILE),
            ClientAuthMethod.CLIENT_SECRET_POST, Set.of(SettingNames.CLIENT_SECRET, SettingNames.CLIENT_SECRET_FILE),
            ClientAuthMethod.PRIVATE_KEY_JWT, Set.of(SettingNames.CLIENT_KEY_FILE, SettingNames.CLIENT_KEY_PASSWORD,
                    SettingNames.CLIENT_KEY_ID, SettingNames.CLIENT_KEY_ALG, SettingNames.ASSERTION_LIFETIME),
            ClientAuthMethod.TLS_CLIENT_AUTH, Set.of(SettingNames.KEY_STORE, SettingNames.KEY_STORE_PASSWORD));
    private static final List<String> OWNING_SETTINGS = List.of(SettingNames.CLIENT_ID, SettingNames.CLIENT_SECRET,
            SettingNames.CLIENT_SECRET_FILE, SettingNames.CLIENT_KEY_FILE, SettingNames.CLIENT_KEY_PASSWORD,
            SettingNames.CLIENT_KEY_ID, SettingNames.CLIENT_KEY_ALG, SettingNames.ASSERTION_LIFETIME,
            SettingNames.KEY_STORE, SettingNames.KEY_STORE_PASSWORD, SettingNames.GRANT_TYPE, SettingNames.SCOPE,
            SettingNames.RESOURCE, SettingNames.AUDIENCE);
    private static final Set<String> EVERY_MODE = Set.of(SettingNames.CLIENT_ID, SettingNames.GRANT_TYPE,
            SettingNames.SCOPE, SettingNames.RESOURCE, SettingNames.AUDIENCE);

    private final ProfileSource reader;

    ClientAuthReader(ProfileSource reader) {
        this.reader = reader;
    }

    /** @return the settings, or {@code null} when a problem was recorded */
    ClientAuthSettings read(URI upstream) {
        ClientAuthMethod method = reader.value(SettingNames.CLIENT_AUTH, ClientAuthMethod.NONE,
                ClientAuthMethod::parse);
        Path trustStore = reader.value(SettingNames.TRUST_STORE, null, Path::of);
        String trustStorePassword = reader.value(SettingNames.TRUST_STORE_PASSWORD, null, raw -> raw);
        boolean ok = checkOnlyUsedSettings(method);
        if (trustStore != null) {
            ok &= loads(SettingNames.TRUST_STORE, trustStore, SettingNames.TRUST_STORE_PASSWORD,
                    () -> CredentialFiles.loadKeyStore(trustStore, trustStorePassword));
        }
        if (!method.owning()) {
            return ok ? ClientAuthSettings.transparent(trustStore, trustStorePassword) : null;
        }
        String clientId = reader.value(SettingNames.CLIENT_ID, null, raw -> raw);
        if (clientId == null) {
            required(SettingNames.CLIENT_ID, method);
            ok = false;
        }
        String grantType = reader.value(SettingNames.GRANT_TYPE, ClientAuthSettings.DEFAULT_GRANT_TYPE,
                ClientAuthReader::grantType);
        String scope = reader.value(SettingNames.SCOPE, null, raw -> raw);
        List<String> resources = reader.value(SettingNames.RESOURCE, List.of(), ClientAuthReader::resources);
        String audience = reader.value(SettingNames.AUDIENCE, null, raw -> raw);
        String clientSecret = null;
        Path secretFile = null;
        Path keyFile = null;
        String keyPassword = null;
        String keyId = null;
        String keyAlg = null;
        Duration assertionLifetime = ClientAuthSettings.DEFAULT_ASSERTION_LIFETIME;
        Path keyStore = null;
        String keyStorePassword = null;
        switch (method) {
            case CLIENT_SECRET_BASIC, CLIENT_SECRET_POST -> {
                clientSecret = reader.value(SettingNames.CLIENT_SECRET, null, raw -> raw);
                secretFile = reader.value(SettingNames.CLIENT_SECRET_FILE, null, Path::of);
                if (clientSecret != null && secretFile != null) {
                    reader.problem(reader.name(SettingNames.CLIENT_SECRET) + "='<masked>': set either "
                            + SettingNames.CLIENT_SECRET + " or " + SettingNames.CLIENT_SECRET_FILE + ", not both");
                    ok = false;
                } else if (clientSecret == null && secretFile == null) {
                    reader.problem(reader.name(SettingNames.CLIENT_SECRET) + ": required with "
                            + SettingNames.CLIENT_AUTH + "=" + method.settingValue() + " (or "
                            + reader.name(SettingNames.CLIENT_SECRET_FILE) + " naming a file that holds it)");
                    ok = false;
                } else if (secretFile != null) {
                    Path file = secretFile;
                    ok &= loads(SettingNames.CLIENT_SECRET_FILE, file, null, () -> CredentialFiles.readSecret(file));
                }
            }
            case PRIVATE_KEY_JWT -> {
                keyFile = reader.value(SettingNames.CLIENT_KEY_FILE, null, Path::of);
                keyPassword = reader.value(SettingNames.CLIENT_KEY_PASSWORD, null, raw -> raw);
                keyId = reader.value(SettingNames.CLIENT_KEY_ID, null, raw -> raw);
                keyAlg = reader.value(SettingNames.CLIENT_KEY_ALG, null, ClientAuthReader::algorithm);
                assertionLifetime = reader.value(SettingNames.ASSERTION_LIFETIME,
                        ClientAuthSettings.DEFAULT_ASSERTION_LIFETIME, ClientAuthReader::assertionLifetime);
                if (keyFile == null) {
                    required(SettingNames.CLIENT_KEY_FILE, method);
                    ok = false;
                } else {
                    Path file = keyFile;
                    String password = keyPassword;
                    String kid = keyId;
                    String alg = keyAlg;
                    ok &= loads(SettingNames.CLIENT_KEY_FILE, file, SettingNames.CLIENT_KEY_PASSWORD,
                            () -> SigningKey.load(file, password, kid, alg));
                }
            }
            case TLS_CLIENT_AUTH -> {
                keyStore = reader.value(SettingNames.KEY_STORE, null, Path::of);
                keyStorePassword = reader.value(SettingNames.KEY_STORE_PASSWORD, null, raw -> raw);
                if (upstream != null && !"https".equalsIgnoreCase(upstream.getScheme())) {
                    reader.problem(reader.name(SettingNames.UPSTREAM_URL) + "='" + upstream + "': "
                            + SettingNames.CLIENT_AUTH + "=tls_client_auth needs an https token endpoint");
                    ok = false;
                }
                if (keyStore == null || keyStorePassword == null) {
                    required(keyStore == null ? SettingNames.KEY_STORE : SettingNames.KEY_STORE_PASSWORD, method);
                    ok = false;
                } else {
                    Path file = keyStore;
                    String password = keyStorePassword;
                    ok &= loads(SettingNames.KEY_STORE, file, SettingNames.KEY_STORE_PASSWORD, () -> {
                        KeyStore store = CredentialFiles.loadKeyStore(file, password);
                        UpstreamTls.checkKeyStore(store, password);
                        return store;
                    });
                }
            }
            default -> throw new IllegalStateException(method.name());
        }
        if (!ok || clientId == null) {
            return null;
        }
        return new ClientAuthSettings(method, clientId, clientSecret, secretFile, keyFile, keyPassword, keyId, keyAlg,
                assertionLifetime, keyStore, keyStorePassword, trustStore, trustStorePassword, grantType, scope,
                resources, audience);
    }

    /** Settings of another mode (a client-secret next to private_key_jwt) would be silently unused. */
    private boolean checkOnlyUsedSettings(ClientAuthMethod method) {
        boolean ok = true;
        for (String setting : OWNING_SETTINGS) {
            boolean used = method.owning() && (EVERY_MODE.contains(setting) || USED.get(method).contains(setting));
            if (!used && reader.isSet(setting)) {
                String shown = SettingNames.isSecret(setting) ? "'<masked>'" : "(set)";
                reader.problem(reader.name(setting) + "=" + shown + ": not used with " + SettingNames.CLIENT_AUTH
                        + "=" + method.settingValue() + (method.owning() ? "" : " (transparent mode: callers send"
                        + " their own credentials); set " + SettingNames.CLIENT_AUTH
                        + " to client_secret_basic, client_secret_post, private_key_jwt or tls_client_auth"));
                ok = false;
            }
        }
        return ok;
    }

    private void required(String setting, ClientAuthMethod method) {
        reader.problem(reader.name(setting) + ": required with " + SettingNames.CLIENT_AUTH + "="
                + method.settingValue());
    }

    /** Opens a file now; a failure names the password setting when the password was wrong. */
    private boolean loads(String fileSetting, Path file, String passwordSetting, java.util.function.Supplier<?> load) {
        try {
            load.get();
            return true;
        } catch (CredentialFileException e) {
            if (e.wrongPassword() && passwordSetting != null) {
                reader.problem(reader.name(passwordSetting) + "='<masked>': " + e.getMessage() + " ("
                        + reader.name(fileSetting) + "=" + file + ")");
            } else {
                reader.problem(reader.name(fileSetting) + "='" + file + "': " + e.getMessage());
            }
            return false;
        }
    }

    private static String grantType(String raw) {
        if (!GRANT.matcher(raw).matches()) {
            throw new IllegalArgumentException("not a grant type (e.g. client_credentials or an absolute URI)");
        }
        return raw;
    }

    /** RFC 8707 §2: each resource is an absolute URI without a fragment. */
    private static List<String> resources(String raw) {
        List<String> values = new ArrayList<>();
        for (String part : raw.split(",")) {
            String value = part.trim();
            if (value.isEmpty()) {
                continue;
            }
            try {
                URI uri = new URI(value);
                if (!uri.isAbsolute() || uri.getRawFragment() != null) {
                    throw new IllegalArgumentException("'" + value + "' must be an absolute URI without a fragment"
                            + " (RFC 8707)");
                }
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("'" + value + "' is not a URI");
            }
            values.add(value);
        }
        return values;
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
}
