package dev.authloopback.loopback.credentials;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.authloopback.loopback.request.TokenRequest;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An owning-mode caller's request reduced to what selects a token: {@code scope}, {@code resource}
 * (RFC 8707) and {@code audience}, profile defaults filled in where the caller sent none. The
 * result is a small canonical form body, so the cache key is the profile plus those fields and the
 * credential the loopback adds later (a fresh assertion per call) never splits the cache.
 *
 * <p>Runs on every request, hits included: one pass over the caller's few fields, no file access,
 * no signing. A credential from the caller ({@code Authorization}, {@code client_id},
 * {@code client_secret}, {@code client_assertion}) is refused, as is any other field the owning mode
 * would drop silently.
 *
 * <p>Least privilege: the profile's {@code allowed-scopes}, {@code allowed-resources} and
 * {@code allowed-audiences} (by default its own {@code scope}, {@code resource}, {@code audience})
 * are ceilings, not defaults: a caller may ask for a subset of the scope words, never for a word,
 * resource or audience beyond them (403). A JSON body is one object and nothing after it, each key
 * once (parsers disagree on which of two keys wins, and trailing data is where a second request
 * would hide); each {@code resource} is an absolute URI without a fragment (RFC 8707 §2).
 */
public final class SelectingFields {
    static final String SCOPE = "scope";
    static final String RESOURCE = "resource";
    static final String AUDIENCE = "audience";
    private static final String GRANT_TYPE = "grant_type";
    private static final Set<String> CREDENTIAL_FIELDS = Set.of("client_id", "client_secret", "client_assertion",
            "client_assertion_type");

    private final ClientAuthSettings settings;
    private final JsonFactory json;

    public SelectingFields(ClientAuthSettings settings, JsonFactory json) {
        this.settings = settings;
        this.json = json;
    }

    /**
     * @return the request the cache keys and the upstream credential completes
     * @throws CallerRequestRefused when the caller sent a credential or a field that selects nothing
     */
    public TokenRequest reduce(TokenRequest caller) {
        if (caller.authorization() != null) {
            throw CallerRequestRefused.credential("Authorization header");
        }
        Fields fields = new Fields();
        byte[] body = caller.body();
        if (body.length > 0) {
            if (caller.isJson()) {
                readJson(body, fields);
            } else {
                readForm(body, fields);
            }
        }
        checkCeilings(fields);
        StringBuilder canonical = new StringBuilder(64);
        appendAll(canonical, SCOPE, fields.scope == null ? settings.scope() : fields.scope);
        for (String resource : fields.resources.isEmpty() ? settings.resources() : fields.resources) {
            appendAll(canonical, RESOURCE, resource);
        }
        if (fields.audiences.isEmpty()) {
            appendAll(canonical, AUDIENCE, settings.audience());
        } else {
            fields.audiences.forEach(a -> appendAll(canonical, AUDIENCE, a));
        }
        return new TokenRequest(caller.method(), OwningCredential.FORM, "application/json", null,
                caller.keyHeaders(), canonical.toString().getBytes(StandardCharsets.US_ASCII), null, caller.dpop());
    }

    private void readForm(byte[] body, Fields fields) {
        String text = new String(body, StandardCharsets.UTF_8);
        for (String field : text.split("&")) {
            if (field.isEmpty()) {
                continue;
            }
            int eq = field.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? field : field.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(field.substring(eq + 1), StandardCharsets.UTF_8);
                fields.add(name, value);
            } catch (IllegalArgumentException e) {
                throw CallerRequestRefused.field("the form body is not valid application/x-www-form-urlencoded");
            }
        }
    }

    private void checkCeilings(Fields fields) {
        if (fields.scope != null) {
            String scope = fields.scope;
            // RFC 6749 §3.3: space-delimited words; a caller may ask for any subset of the allowed ones.
            for (int start = 0, end; start < scope.length(); start = end + 1) {
                end = scope.indexOf(' ', start);
                if (end < 0) {
                    end = scope.length();
                }
                if (end > start && !settings.allowedScopes().contains(scope.substring(start, end))) {
                    throw CallerRequestRefused.beyondCeiling(SCOPE, shown(scope.substring(start, end)),
                            "allowed-scopes");
                }
            }
        }
        for (String resource : fields.resources) {
            if (!settings.allowedResources().contains(resource)) {
                throw CallerRequestRefused.beyondCeiling(RESOURCE, shown(resource), "allowed-resources");
            }
        }
        for (String audience : fields.audiences) {
            if (!settings.allowedAudiences().contains(audience)) {
                throw CallerRequestRefused.beyondCeiling(AUDIENCE, shown(audience), "allowed-audiences");
            }
        }
    }

    private void readJson(byte[] body, Fields fields) {
        try (JsonParser parser = json.createParser(body)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw CallerRequestRefused.field("a JSON token request must be an object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    fields.add(name, parser.getText());
                } else if (value == JsonToken.START_ARRAY) {
                    while (parser.nextToken() == JsonToken.VALUE_STRING) {
                        fields.add(name, parser.getText());
                    }
                    if (parser.currentToken() != JsonToken.END_ARRAY) {
                        throw CallerRequestRefused.field("'" + printable(name) + "' must be a string or strings");
                    }
                } else {
                    fields.add(name, null);
                    throw CallerRequestRefused.field("'" + printable(name) + "' must be a string or strings");
                }
            }
            if (parser.nextToken() != null) {
                throw CallerRequestRefused.field("the body must be one JSON object and nothing after it");
            }
        } catch (JsonParseException e) {
            String reason = e.getOriginalMessage();
            throw CallerRequestRefused.field(reason != null && reason.startsWith("Duplicate field")
                    ? "each key may appear once in a JSON token request" : "the body is not valid JSON");
        } catch (IOException e) {
            throw CallerRequestRefused.field("the body is not valid JSON");
        }
    }

    /** RFC 8707 §2: an absolute URI, no fragment. */
    private static String resource(String value) {
        try {
            URI uri = new URI(value);
            if (uri.isAbsolute() && uri.getRawFragment() == null) {
                return value;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw CallerRequestRefused.invalidResource(shown(value));
    }

    /**
     * A caller's scope word, resource or audience as a problem may show it: not secrets, but the
     * detail reaches logs, so printable ASCII only and at most 64 characters.
     */
    private static String shown(String value) {
        String cut = value.length() > 64 ? value.substring(0, 64) + "..." : value;
        return cut.replaceAll("[^\\x21-\\x7E]", "?");
    }

    private static void appendAll(StringBuilder canonical, String name, String value) {
        if (value == null) {
            return;
        }
        if (canonical.length() > 0) {
            canonical.append('&');
        }
        canonical.append(name).append('=').append(OwningCredential.encode(value));
    }

    private static String printable(String value) {
        String cut = value.length() > 64 ? value.substring(0, 64) : value;
        return cut.replaceAll("[^A-Za-z0-9_.:-]", "?");
    }

    /** The selecting fields one request sent. */
    private final class Fields {
        String scope;
        final List<String> resources = new ArrayList<>(1);
        final List<String> audiences = new ArrayList<>(1);

        void add(String name, String value) {
            if (CREDENTIAL_FIELDS.contains(name)) {
                throw CallerRequestRefused.credential(name);
            }
            switch (name) {
                case SCOPE -> {
                    if (scope != null) {
                        throw CallerRequestRefused.field("scope sent twice; send one space-separated scope");
                    }
                    scope = value;
                }
                case RESOURCE -> resources.add(value == null ? null : resource(value));
                case AUDIENCE -> audiences.add(value);
                // Today's token-body often names the grant; the same grant is harmless, another is not ours to send.
                case GRANT_TYPE -> {
                    if (!settings.grantType().equals(value)) {
                        throw CallerRequestRefused.field("grant_type '" + printable(String.valueOf(value))
                                + "' is not this profile's grant-type (" + settings.grantType() + ")");
                    }
                }
                default -> throw CallerRequestRefused.field("'" + printable(name) + "' selects no token here;"
                        + " send only scope, resource, audience");
            }
        }
    }

}
