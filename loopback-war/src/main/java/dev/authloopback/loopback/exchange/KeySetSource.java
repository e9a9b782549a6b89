package dev.authloopback.loopback.exchange;

import com.nimbusds.jose.jwk.JWKSet;

/** Where an issuer's published keys come from: {@link JwksKeys} over HTTP, or a fixed set in a test. */
@FunctionalInterface
public interface KeySetSource {
    /**
     * @param unknownKid a token named a key the last set did not hold: fetch again if allowed
     * @return the current key set (possibly empty), never {@code null}
     */
    JWKSet keys(boolean unknownKid);
}
