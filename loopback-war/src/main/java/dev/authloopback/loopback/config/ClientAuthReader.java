package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClientAuthMethod;
import dev.authloopback.loopback.credentials.ClientAuthSettings;
import dev.authloopback.loopback.credentials.CredentialFiles;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks one profile's client-authentication settings: the mode ({@code client-auth})
 * and which settings it uses, the trust store (any mode), then in an owning mode the fields sent
 * with every token request ({@code client-id}, {@code grant-type}, {@code scope}, {@code resource},
 * {@code audience}) and the mode's credential ({@link ClientCredentialReader}). Files are opened
 * here, once, so a missing secret, an unreadable key or a wrong password fails the deployment with
 * a message naming the setting, instead of failing the first token request.
 */
final class ClientAuthReader {
    private static final Pattern GRANT = Pattern.compile("[A-Za-z0-9_.:/-]+");
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

    private final ProfileSource in;
    private final ClientCredentialReader credentials;

    ClientAuthReader(ProfileSource in) {
        this.in = in;
        this.credentials = new ClientCredentialReader(in);
    }

    /** @return the settings, or {@code null} when a problem was recorded */
    ClientAuthSettings read(URI upstream) {
        ClientAuthMethod method = in.value(SettingNames.CLIENT_AUTH, ClientAuthMethod.NONE, ClientAuthMethod::parse);
        Path trustStore = in.value(SettingNames.TRUST_STORE, null, Path::of);
        String trustStorePassword = in.value(SettingNames.TRUST_STORE_PASSWORD, null, raw -> raw);
        boolean ok = checkOnlyUsedSettings(method);
        if (trustStore != null) {
            ok &= credentials.loads(SettingNames.TRUST_STORE, trustStore, SettingNames.TRUST_STORE_PASSWORD,
                    () -> CredentialFiles.loadKeyStore(trustStore, trustStorePassword));
        }
        if (!method.owning()) {
            return ok ? ClientAuthSettings.transparent(trustStore, trustStorePassword) : null;
        }
        OwningFields fields = owningFields(method);
        ClientCredentialReader.Credential credential = credentials.read(method, upstream);
        if (!ok || fields.clientId() == null || credential == null) {
            return null;
        }
        return new ClientAuthSettings(method, fields.clientId(), credential.clientSecret(),
                credential.clientSecretFile(), credential.clientKeyFile(), credential.clientKeyPassword(),
                credential.clientKeyId(), credential.clientKeyAlg(), credential.assertionLifetime(),
                credential.keyStore(), credential.keyStorePassword(), trustStore, trustStorePassword,
                fields.grantType(), fields.scope(), fields.resources(), fields.audience());
    }

    /** Settings of another mode (a client-secret next to private_key_jwt) would be silently unused. */
    private boolean checkOnlyUsedSettings(ClientAuthMethod method) {
        boolean ok = true;
        for (String setting : OWNING_SETTINGS) {
            boolean used = method.owning() && (EVERY_MODE.contains(setting) || USED.get(method).contains(setting));
            if (!used && in.isSet(setting)) {
                String shown = SettingNames.isSecret(setting) ? "'<masked>'" : "(set)";
                in.problem(in.name(setting) + "=" + shown + ": not used with " + SettingNames.CLIENT_AUTH
                        + "=" + method.settingValue() + (method.owning() ? "" : " (transparent mode: callers send"
                        + " their own credentials); set " + SettingNames.CLIENT_AUTH
                        + " to client_secret_basic, client_secret_post, private_key_jwt or tls_client_auth"));
                ok = false;
            }
        }
        return ok;
    }

    /** What every owning mode sends: who the loopback is, and the defaults for callers that send none. */
    private OwningFields owningFields(ClientAuthMethod method) {
        String clientId = in.value(SettingNames.CLIENT_ID, null, raw -> raw);
        if (clientId == null) {
            credentials.required(SettingNames.CLIENT_ID, method);
        }
        return new OwningFields(clientId,
                in.value(SettingNames.GRANT_TYPE, ClientAuthSettings.DEFAULT_GRANT_TYPE, ClientAuthReader::grantType),
                in.value(SettingNames.SCOPE, null, raw -> raw),
                in.value(SettingNames.RESOURCE, List.of(), ClientAuthReader::resources),
                in.value(SettingNames.AUDIENCE, null, raw -> raw));
    }

    /** @param clientId {@code null} when missing (a problem is recorded) */
    private record OwningFields(String clientId, String grantType, String scope, List<String> resources,
                                String audience) {
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
}
