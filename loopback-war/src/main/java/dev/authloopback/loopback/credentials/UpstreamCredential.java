package dev.authloopback.loopback.credentials;

import dev.authloopback.loopback.request.TokenRequest;

import java.net.URI;
import java.time.Clock;
import java.util.List;

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

    /**
     * The credential files this credential reads ({@code client-secret-file}, {@code client-key-file}),
     * each checked now (a {@code stat}, and a read if it changed); none in transparent mode or with an
     * inline secret. For the health view, never the request path.
     */
    default List<CredentialFileStatus> fileStatus() {
        return List.of();
    }

    /** Transparent mode: the caller's request, credentials included, goes upstream unchanged. */
    static UpstreamCredential transparent() {
        return request -> request;
    }

    /** The credential a profile's settings describe. */
    static UpstreamCredential of(ClientAuthSettings settings, URI tokenUrl, Clock clock) {
        return settings.owning() ? new OwningCredential(settings, tokenUrl, clock) : transparent();
    }
}
