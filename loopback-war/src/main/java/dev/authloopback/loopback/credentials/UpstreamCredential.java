package dev.authloopback.loopback.credentials;

import dev.authloopback.loopback.request.TokenRequest;

import java.net.URI;
import java.time.Clock;

/**
 * Turns the request the cache keyed into the request sent to the token endpoint. Called once per
 * upstream call (miss or refresh), never on a hit, so signing and file checks stay off the hit path.
 */
@FunctionalInterface
public interface UpstreamCredential {

    /**
     * @throws CredentialFileException when the loopback's own credential cannot be used
     */
    TokenRequest authenticate(TokenRequest request);

    /** Transparent mode: the caller's request, credentials included, goes upstream unchanged. */
    static UpstreamCredential transparent() {
        return request -> request;
    }

    /** The credential a profile's settings describe. */
    static UpstreamCredential of(ClientAuthSettings settings, URI tokenUrl, Clock clock) {
        return settings.owning() ? new OwningCredential(settings, tokenUrl, clock) : transparent();
    }
}
