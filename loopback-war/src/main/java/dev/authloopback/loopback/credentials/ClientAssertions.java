package dev.authloopback.loopback.credentials;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * RFC 7523 §3 client assertions signed here: {@code iss} = {@code sub} = client id, {@code aud} = the
 * token endpoint URL, {@code iat}, a short {@code exp} and a fresh random {@code jti} per upstream call,
 * so an IdP that rejects replays accepts every call. Signed by Nimbus JOSE+JWT with a {@link SigningKey}:
 * the private key of {@code client-key-file} ({@code private_key_jwt}) or the client secret
 * ({@code client_secret_jwt}, HS256). One builder for both, because OpenID Connect Core §9 asks the
 * same claims of both: only the key differs, so the claims cannot drift apart between the modes.
 * A key or secret read from a file is read again when the file changes.
 */
final class ClientAssertions implements ClientAssertionSource {
    private final ClientAuthSettings settings;
    private final String audience;
    private final Clock clock;
    /** The setting that holds the key, for messages. */
    private final String keySetting;
    /** Set when the key comes from a file; else {@link #fixedKey} is. */
    private final ReloadingFile<SigningKey> keyFile;
    private final SigningKey fixedKey;

    private ClientAssertions(ClientAuthSettings settings, URI tokenUrl, Clock clock, String keySetting,
                             ReloadingFile<SigningKey> keyFile, SigningKey fixedKey) {
        this.settings = settings;
        this.audience = tokenUrl.toString();
        this.clock = clock;
        this.keySetting = keySetting;
        this.keyFile = keyFile;
        this.fixedKey = fixedKey;
    }

    /** {@code private_key_jwt}: signed with the key of {@code client-key-file}. */
    static ClientAssertions withKeyFile(ClientAuthSettings settings, URI tokenUrl, Clock clock) {
        return new ClientAssertions(settings, tokenUrl, clock, "client-key-file",
                new ReloadingFile<>(settings.clientKeyFile(), "client-key-file", file -> SigningKey.load(file,
                        settings.clientKeyPassword(), settings.clientKeyId(), settings.clientKeyAlg()), clock), null);
    }

    /**
     * {@code client_secret_jwt}: HS256 with {@code client-secret}, or with {@code client-secret-file},
     * whose new content is refused (the last good secret kept) when shorter than HS256 allows.
     */
    static ClientAssertions withSecret(ClientAuthSettings settings, URI tokenUrl, Clock clock) {
        if (settings.clientSecretFile() != null) {
            return new ClientAssertions(settings, tokenUrl, clock, "client-secret-file",
                    new ReloadingFile<>(settings.clientSecretFile(), "client-secret-file",
                            file -> SigningKey.hmac(CredentialFiles.readSecret(file)), clock), null);
        }
        return new ClientAssertions(settings, tokenUrl, clock, "client-secret", null,
                SigningKey.hmac(settings.clientSecret()));
    }

    @Override
    public String type() {
        return ClientAuthSettings.JWT_BEARER;
    }

    @Override
    public List<CredentialFileStatus> fileStatus() {
        return keyFile == null ? List.of() : List.of(keyFile.status());
    }

    @Override
    public String next() {
        SigningKey key = keyFile != null ? keyFile.current() : fixedKey;
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(settings.clientId())
                .subject(settings.clientId())
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(settings.assertionLifetime())))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(key.header(), claims);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new CredentialFileException(keySetting + ": signing failed (" + e.getClass().getSimpleName() + ")",
                    false);
        }
        return jwt.serialize();
    }
}
