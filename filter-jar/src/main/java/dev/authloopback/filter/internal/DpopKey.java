package dev.authloopback.filter.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

/**
 * The business app's DPoP key (RFC 9449): by default an EC P-256 key made at start, which lives as
 * long as the app instance; or a private JWK read from {@code dpop-key-file}, shared by the nodes of
 * one app so they share tokens. Never logged: {@link #toString()} shows the thumbprint.
 */
public final class DpopKey {
    private final JWK publicJwk;
    private final JWSAlgorithm algorithm;
    private final JWSSigner signer;
    private final String thumbprint;

    private DpopKey(JWK privateJwk) throws JOSEException {
        this.publicJwk = privateJwk.toPublicJWK();
        if (privateJwk instanceof ECKey ec) {
            this.algorithm = algorithmFor(ec.getCurve());
            this.signer = new ECDSASigner(ec);
        } else if (privateJwk instanceof RSAKey rsa) {
            // PS256 rather than RS256: RFC 9449 names both; PSS is the one new deployments choose.
            this.algorithm = JWSAlgorithm.PS256;
            this.signer = new RSASSASigner(rsa);
        } else {
            throw new JOSEException("key type " + privateJwk.getKeyType() + " is not EC or RSA");
        }
        this.thumbprint = publicJwk.computeThumbprint().toString();
    }

    /** A new ES256 key, for this app instance only. */
    public static DpopKey generate() {
        try {
            return new DpopKey(new ECKeyGenerator(Curve.P_256).generate());
        } catch (JOSEException e) {
            throw new IllegalStateException("EC P-256 key generation failed", e);
        }
    }

    /**
     * @throws IllegalArgumentException with a message naming the rule (never the key) when the file is
     *                                  unreadable or holds no private EC/RSA JWK
     */
    public static DpopKey fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        JWK jwk;
        try {
            jwk = JWK.parse(text);
        } catch (ParseException e) {
            throw new IllegalArgumentException("must hold one private JWK (JSON, EC P-256/384/521 or RSA)");
        }
        if (!jwk.isPrivate()) {
            throw new IllegalArgumentException("holds a public JWK; the private key is needed to sign proofs");
        }
        try {
            return new DpopKey(jwk);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("holds a key that cannot sign: " + e.getMessage());
        }
    }

    private static JWSAlgorithm algorithmFor(Curve curve) throws JOSEException {
        if (Curve.P_256.equals(curve)) {
            return JWSAlgorithm.ES256;
        }
        if (Curve.P_384.equals(curve)) {
            return JWSAlgorithm.ES384;
        }
        if (Curve.P_521.equals(curve)) {
            return JWSAlgorithm.ES512;
        }
        throw new JOSEException("curve " + curve + " is not P-256, P-384 or P-521");
    }

    public JWK publicJwk() {
        return publicJwk;
    }

    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    public JWSSigner signer() {
        return signer;
    }

    /** RFC 7638 SHA-256 thumbprint, base64url: what tokens are bound to ({@code cnf.jkt}). */
    public String thumbprint() {
        return thumbprint;
    }

    @Override
    public String toString() {
        return "DpopKey[" + algorithm + ", jkt=" + thumbprint + "]";
    }
}
