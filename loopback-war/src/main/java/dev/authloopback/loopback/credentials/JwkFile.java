package dev.authloopback.loopback.credentials;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;

import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/**
 * A {@code client-key-file} in JSON, read by Nimbus JOSE+JWT: one private JWK (RFC 7517 §4), or a JWK
 * Set (§5) holding exactly one private key (public keys beside it are ignored: they sign nothing). An
 * RSA or EC P-256 key; its {@code kid} and {@code alg} become the key's own, and the first certificate
 * of its {@code x5c} the key's certificate (Nimbus checks it carries the JWK's public key).
 *
 * <p>Messages name members and key types, never a member's value: the file holds a private key.
 */
final class JwkFile {

    private JwkFile() {
    }

    static KeyMaterial parse(String json) {
        Map<String, Object> object;
        try {
            object = JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new CredentialFileException("starts like JSON but is not a JSON object (a JWK or JWK Set)", false);
        }
        JWK jwk = object.containsKey("keys") ? onlyPrivateKey(object) : jwk(object);
        if (!jwk.isPrivate()) {
            throw new CredentialFileException("the JWK is a public key only; the private key (its 'd') is needed"
                    + " to sign", false);
        }
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            throw new CredentialFileException("the JWK's use is '" + jwk.getKeyUse().identifier() + "', not 'sig'",
                    false);
        }
        if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.SIGN)) {
            throw new CredentialFileException("the JWK's key_ops do not include 'sign'", false);
        }
        List<X509Certificate> chain = jwk.getParsedX509CertChain();
        X509Certificate certificate = chain == null || chain.isEmpty() ? null : chain.get(0);
        String alg = jwk.getAlgorithm() == null ? null : jwk.getAlgorithm().getName();
        try {
            if (jwk instanceof RSAKey rsa) {
                return new KeyMaterial(rsa.toRSAPrivateKey(), rsa.toRSAPublicKey(), certificate, rsa.getKeyID(), alg);
            }
            if (jwk instanceof ECKey ec) {
                if (!Curve.P_256.equals(ec.getCurve())) {
                    throw new CredentialFileException("an EC JWK must be on P-256, not " + ec.getCurve(), false);
                }
                return new KeyMaterial(ec.toECPrivateKey(), ec.toECPublicKey(), certificate, ec.getKeyID(), alg);
            }
        } catch (JOSEException e) {
            throw new CredentialFileException("the JWK's key cannot be used (" + e.getMessage() + ")", false);
        }
        throw new CredentialFileException("a JWK of type " + jwk.getKeyType() + " cannot sign client assertions;"
                + " use an RSA (2048+ bits) or EC P-256 key", false);
    }

    private static JWK jwk(Map<String, Object> object) {
        try {
            return JWK.parse(object);
        } catch (ParseException e) {
            throw new CredentialFileException("is not a usable JWK (" + e.getMessage() + ")", false);
        }
    }

    private static JWK onlyPrivateKey(Map<String, Object> object) {
        JWKSet set;
        try {
            set = JWKSet.parse(object);
        } catch (ParseException e) {
            throw new CredentialFileException("is not a usable JWK Set (" + e.getMessage() + ")", false);
        }
        List<JWK> privateKeys = set.getKeys().stream().filter(JWK::isPrivate).toList();
        if (privateKeys.size() != 1) {
            throw new CredentialFileException("the JWK Set holds " + privateKeys.size() + " private keys; it must"
                    + " hold exactly one, the key that signs the client assertions", false);
        }
        return privateKeys.get(0);
    }
}
