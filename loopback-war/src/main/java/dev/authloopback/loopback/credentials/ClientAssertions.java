package dev.authloopback.loopback.credentials;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * RFC 7523 §3 client assertions: {@code iss} = {@code sub} = client id, {@code aud} = the token
 * endpoint URL, {@code iat}, a short {@code exp} and a fresh random {@code jti} per upstream call, so
 * an IdP that rejects replays accepts every call. Signed by Nimbus JOSE+JWT with the key of
 * {@code client-key-file}, re-read when the file changes.
 */
final class ClientAssertions {
    private final ClientAuthSettings settings;
    private final String audience;
    private final Clock clock;
    private final ReloadingFile<SigningKey> key;

    ClientAssertions(ClientAuthSettings settings, URI tokenUrl, Clock clock) {
        this.settings = settings;
        this.audience = tokenUrl.toString();
        this.clock = clock;
        this.key = new ReloadingFile<>(settings.clientKeyFile(), "client-key-file", file -> SigningKey.load(file,
                settings.clientKeyPassword(), settings.clientKeyId(), settings.clientKeyAlg()), clock);
    }

    /** The state of {@code client-key-file}, for the health view. */
    CredentialFileStatus keyFileStatus() {
        return key.status();
    }

    /** A newly signed assertion in compact form (base64url only: safe in a form body as is). */
    String next() {
        SigningKey signing = key.current();
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(settings.clientId())
                .subject(settings.clientId())
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(settings.assertionLifetime())))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(signing.algorithm()).keyID(signing.keyId())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signing.signer());
        } catch (JOSEException e) {
            throw new CredentialFileException("client-key-file: signing failed (" + e.getClass().getSimpleName()
                    + ")", false);
        }
        return jwt.serialize();
    }
}
