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
    static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private final ClientAuthSettings settings;
    private final String grantField;
    private final ReloadingFile<String> secretFile;
    private final ClientAssertions assertions;

    OwningCredential(ClientAuthSettings settings, URI tokenUrl, Clock clock) {
        this.settings = settings;
        this.grantField = "grant_type=" + encode(settings.grantType());
        this.secretFile = settings.clientSecretFile() == null ? null
                : new ReloadingFile<>(settings.clientSecretFile(), "client-secret-file", CredentialFiles::readSecret,
                        clock);
        this.assertions = settings.method() == ClientAuthMethod.PRIVATE_KEY_JWT
                ? new ClientAssertions(settings, tokenUrl, clock) : null;
    }

    @Override
    public TokenRequest authenticate(TokenRequest request) {
        StringBuilder body = new StringBuilder(256).append(grantField);
        if (request.body().length > 0) {
            body.append('&').append(new String(request.body(), StandardCharsets.US_ASCII));
        }
        String authorization = null;
        switch (settings.method()) {
            // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
            case CLIENT_SECRET_BASIC -> authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (encode(settings.clientId()) + ":" + encode(secret())).getBytes(StandardCharsets.UTF_8));
            case CLIENT_SECRET_POST -> body.append("&client_id=").append(encode(settings.clientId()))
                    .append("&client_secret=").append(encode(secret()));
            case PRIVATE_KEY_JWT -> body.append("&client_id=").append(encode(settings.clientId()))
                    .append("&client_assertion_type=").append(encode(JWT_BEARER))
                    .append("&client_assertion=").append(assertions.next());
            // RFC 8705 §2.1: the certificate authenticates; client_id says who is claimed.
            case TLS_CLIENT_AUTH -> body.append("&client_id=").append(encode(settings.clientId()));
            case NONE -> throw new IllegalStateException("transparent mode has no owning credential");
        }
        // Configured key-headers (a tenant header, say) go upstream as in transparent mode.
        return new TokenRequest("POST", FORM, "application/json", authorization, request.keyHeaders(),
                body.toString().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public List<CredentialFileStatus> fileStatus() {
        List<CredentialFileStatus> files = new ArrayList<>(1);
        if (secretFile != null) {
            files.add(secretFile.status());
        }
        if (assertions != null) {
            files.add(assertions.keyFileStatus());
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
