package dev.authloopback.loopback.credentials;

import dev.authloopback.loopback.request.TokenRequest;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * An owning mode's upstream request: a form POST carrying {@code grant_type}, the fields that
 * selected the token, and the loopback's own client authentication.
 */
final class OwningCredential implements UpstreamCredential {
    static final String FORM = "application/x-www-form-urlencoded";
    /** RFC 7523 §2.2. */
    static final String JWT_BEARER = ClientAuthSettings.JWT_BEARER;
    /** RFC 7523 §2.1: the grant Entra ID's on-behalf-of request uses. */
    private static final String JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    private final ClientAuthSettings settings;
    private final String grantField;
    /** Exchange profiles: the form field of the subject token ({@code subject_token} or {@code assertion}). */
    private final String subjectField;
    /** {@code client_secret_basic} / {@code _post} with {@code client-secret-file}, else {@code null}. */
    private final ReloadingFile<String> secretFile;
    /** The assertion-based modes' source of {@code client_assertion}, else {@code null}. */
    private final ClientAssertionSource assertions;

    OwningCredential(ClientAuthSettings settings, URI tokenUrl, Clock clock) {
        this.settings = settings;
        this.grantField = "grant_type=" + encode(settings.grantType());
        // RFC 8693 §2.1 names the user's token subject_token; Entra's on-behalf-of (the RFC 7523 grant) assertion.
        this.subjectField = JWT_BEARER_GRANT.equals(settings.grantType()) ? "assertion" : "subject_token";
        boolean sendsSecret = settings.method() == ClientAuthMethod.CLIENT_SECRET_BASIC
                || settings.method() == ClientAuthMethod.CLIENT_SECRET_POST;
        this.secretFile = sendsSecret && settings.clientSecretFile() != null
                ? new ReloadingFile<>(settings.clientSecretFile(), "client-secret-file", CredentialFiles::readSecret,
                        clock) : null;
        this.assertions = switch (settings.method()) {
            case PRIVATE_KEY_JWT -> settings.clientAssertionFile() != null
                    ? new ClientAssertionFile(settings.clientAssertionFile(), settings.clientAssertionType(), clock)
                    : ClientAssertions.withKeyFile(settings, tokenUrl, clock);
            case CLIENT_SECRET_JWT -> ClientAssertions.withSecret(settings, tokenUrl, clock);
            default -> null;
        };
    }

    @Override
    public TokenRequest authenticate(TokenRequest request) {
        StringBuilder body = new StringBuilder(256).append(grantField);
        if (request.body().length > 0) {
            body.append('&').append(new String(request.body(), StandardCharsets.US_ASCII));
        }
        if (request.subject() != null) {
            // Exchange profiles: the user's token goes upstream here only, never into a key or a log line.
            body.append('&').append(subjectField).append('=').append(encode(request.subject().token()));
        }
        String authorization = null;
        switch (settings.method()) {
            // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
            case CLIENT_SECRET_BASIC -> authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (encode(settings.clientId()) + ":" + encode(secret())).getBytes(StandardCharsets.UTF_8));
            case CLIENT_SECRET_POST -> body.append("&client_id=").append(encode(settings.clientId()))
                    .append("&client_secret=").append(encode(secret()));
            // RFC 7521 §4.2; client_id too (§4.2 allows it): Entra requires it with a federated assertion,
            // whose sub is the platform's name for the workload, not the client id.
            case PRIVATE_KEY_JWT, CLIENT_SECRET_JWT -> body.append("&client_id=").append(encode(settings.clientId()))
                    .append("&client_assertion_type=").append(encode(assertions.type()))
                    .append("&client_assertion=").append(assertions.next());
            // RFC 8705 §2.1: the certificate authenticates; client_id says who is claimed.
            case TLS_CLIENT_AUTH -> body.append("&client_id=").append(encode(settings.clientId()));
            case NONE -> throw new IllegalStateException("transparent mode has no owning credential");
        }
        // Configured key-headers (a tenant header, say) go upstream as in transparent mode.
        return new TokenRequest("POST", FORM, "application/json", authorization, request.keyHeaders(),
                body.toString().getBytes(StandardCharsets.US_ASCII), null, request.dpop());
    }

    @Override
    public List<CredentialFileStatus> fileStatus() {
        List<CredentialFileStatus> files = new ArrayList<>(1);
        if (secretFile != null) {
            files.add(secretFile.status());
        }
        if (assertions != null) {
            files.addAll(assertions.fileStatus());
        }
        return files;
    }

    private String secret() {
        return secretFile != null ? secretFile.current() : settings.clientSecret();
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "OwningCredential[" + settings.method().settingValue() + "]";
    }
}
