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
                    SettingNames.CLIENT_KEY_ID, SettingNames.CLIENT_KEY_ALG, SettingNames.ASSERTION_LIFETIME,
                    SettingNames.CLIENT_ASSERTION_FILE, SettingNames.CLIENT_ASSERTION_TYPE),
            ClientAuthMethod.CLIENT_SECRET_JWT, Set.of(SettingNames.CLIENT_SECRET, SettingNames.CLIENT_SECRET_FILE,
                    SettingNames.ASSERTION_LIFETIME),
            ClientAuthMethod.TLS_CLIENT_AUTH, Set.of(SettingNames.KEY_STORE, SettingNames.KEY_STORE_PASSWORD));
    private static final List<String> OWNING_SETTINGS = List.of(SettingNames.CLIENT_ID, SettingNames.CLIENT_SECRET,
            SettingNames.CLIENT_SECRET_FILE, SettingNames.CLIENT_KEY_FILE, SettingNames.CLIENT_KEY_PASSWORD,
            SettingNames.CLIENT_KEY_ID, SettingNames.CLIENT_KEY_ALG, SettingNames.ASSERTION_LIFETIME,
            SettingNames.CLIENT_ASSERTION_FILE, SettingNames.CLIENT_ASSERTION_TYPE, SettingNames.KEY_STORE, SettingNames.KEY_STORE_PASSWORD, SettingNames.GRANT_TYPE, SettingNames.SCOPE,
            SettingNames.RESOURCE, SettingNames.AUDIENCE, SettingNames.ALLOWED_SCOPES, SettingNames.ALLOWED_RESOURCES,
            SettingNames.ALLOWED_AUDIENCES);
    private static final Set<String> EVERY_MODE = Set.of(SettingNames.CLIENT_ID, SettingNames.GRANT_TYPE,
            SettingNames.SCOPE, SettingNames.RESOURCE, SettingNames.AUDIENCE, SettingNames.ALLOWED_SCOPES,
            SettingNames.ALLOWED_RESOURCES, SettingNames.ALLOWED_AUDIENCES);
    /** RFC 6749 §3.3 scope-token: printable ASCII but space, {@code "} and {@code \}. */
    private static final Pattern SCOPE_WORD = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    private final ProfileSource in;
    private final ClientCredentialReader credentials;

    ClientAuthReader(ProfileSource in) {
        this.in = in;
        this.credentials = new ClientCredentialReader(in);
    }

    /** @return the settings, or {@code null} when a problem was recorded */
    ClientAuthSettings read(URI upstream) {
        int before = in.problemCount();
        ClientAuthMethod method = in.value(SettingNames.CLIENT_AUTH, ClientAuthMethod.NONE, ClientAuthMethod::parse);
        if (in.problemCount() > before) {
            // A mistyped mode (client_secret_basik) is one problem: judged against the transparent
            // fallback, every owning setting beside it would add a second, misleading one.
            return null;
        }
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
        Ceilings ceilings = ceilings(fields);
        if (ceilings == null) {
            return null;
        }
        return new ClientAuthSettings(method, fields.clientId(), credential.clientSecret(),
                credential.clientSecretFile(), credential.clientKeyFile(), credential.clientKeyPassword(),
                credential.clientKeyId(), credential.clientKeyAlg(), credential.assertionLifetime(),
                credential.clientAssertionFile(), credential.clientAssertionType(), credential.clientKeyIds(),
                credential.keyStore(), credential.keyStorePassword(), trustStore, trustStorePassword,
                fields.grantType(), fields.scope(), fields.resources(), fields.audience(),
                ceilings.scopes(), ceilings.resources(), ceilings.audiences());
    }

    /**
     * The most a caller may ask for. Least privilege by default: the profile's own {@code scope},
     * {@code resource} and {@code audience}, so a caller may narrow them (a subset of the scope
     * words) but never widen them; an operator who wants callers to choose lists the choices.
     * The profile's own defaults must lie within its ceilings.
     *
     * @return {@code null} when a problem was recorded
     */
    private Ceilings ceilings(OwningFields fields) {
        int before = in.problemCount();
        Set<String> ownScopes = ClientAuthSettings.scopeWords(fields.scope());
        Set<String> audience = fields.audience() == null ? Set.of() : Set.of(fields.audience());
        Set<String> scopes = in.value(SettingNames.ALLOWED_SCOPES, ownScopes, ClientAuthReader::scopeWords);
        Set<String> resources = in.value(SettingNames.ALLOWED_RESOURCES, Set.copyOf(fields.resources()),
                raw -> Set.copyOf(resources(raw)));
        Set<String> audiences = in.value(SettingNames.ALLOWED_AUDIENCES, audience, ClientAuthReader::audiences);
        within(SettingNames.SCOPE, ownScopes, SettingNames.ALLOWED_SCOPES, scopes);
        within(SettingNames.RESOURCE, fields.resources(), SettingNames.ALLOWED_RESOURCES, resources);
        within(SettingNames.AUDIENCE, audience, SettingNames.ALLOWED_AUDIENCES, audiences);
        return in.problemCount() > before ? null : new Ceilings(scopes, resources, audiences);
    }

    private void within(String setting, java.util.Collection<String> values, String ceiling, Set<String> allowed) {
        if (!in.isSet(ceiling)) {
            return;
        }
        List<String> beyond = values.stream().filter(v -> !allowed.contains(v)).toList();
        if (!beyond.isEmpty()) {
            in.problem(in.name(setting) + ": " + beyond + " not within " + in.name(ceiling)
                    + " (the profile's defaults are what a caller gets by sending nothing; they must be allowed)");
        }
    }

    private record Ceilings(Set<String> scopes, Set<String> resources, Set<String> audiences) {
    }

    private static Set<String> scopeWords(String raw) {
        Set<String> words = ClientAuthSettings.scopeWords(raw);
        for (String word : words) {
            if (!SCOPE_WORD.matcher(word).matches()) {
                throw new IllegalArgumentException("'" + word + "' is not a scope word (RFC 6749 §3.3: printable"
                        + " ASCII without '\"' and '\\'; words separated by spaces)");
            }
        }
        return words;
    }

    private static Set<String> audiences(String raw) {
        Set<String> values = new java.util.LinkedHashSet<>();
        for (String part : raw.split(",")) {
            if (!part.isBlank()) {
                values.add(part.trim());
            }
        }
        return values;
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
                        + " to client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt or"
                        + " tls_client_auth"));
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
