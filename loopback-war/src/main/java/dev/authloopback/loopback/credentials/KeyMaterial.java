package dev.authloopback.loopback.credentials;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;

/**
 * What a {@code client-key-file} holds: the private key, and what the file says about it. Holds a
 * private key: {@link #toString()} shows none of it.
 *
 * @param publicKey   the key's public half when the file tells it (certificate, JWK, RSA CRT key), else {@code null}
 * @param certificate the certificate the file gives for the key (PEM, PKCS#12 entry, JWK {@code x5c}), else {@code null}
 * @param keyId       the JWK's own {@code kid}, else {@code null}
 * @param algorithm   the JWK's own {@code alg}, else {@code null}
 */
record KeyMaterial(PrivateKey privateKey, PublicKey publicKey, X509Certificate certificate, String keyId,
                   String algorithm) {

    @Override
    public String toString() {
        return "KeyMaterial[" + privateKey.getAlgorithm() + " kid=" + keyId + " certificate="
                + (certificate != null) + ", private key <masked>]";
    }
}
