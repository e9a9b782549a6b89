package dev.authloopback.loopback.credentials;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.X509CertUtils;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;

/**
 * What signs an RFC 7523 client assertion: the signer, its algorithm, and the JWS header that tells the
 * IdP which key it is. Either the private key of {@code client-key-file} ({@code private_key_jwt}) or
 * the client secret ({@code client_secret_jwt}, HS256).
 *
 * <p><b>The header names the key only in ways the IdP can know.</b> {@code kid} is sent only when the
 * operator set {@code client-key-id} or the key file is a JWK with its own {@code kid}: an id made up
 * here (the RFC 7638 thumbprint, as before) is unknown to an IdP that named the key itself, and Keycloak
 * then refuses the assertion ("Unable to load public key") although it could verify it. Without a
 * {@code kid} the IdP tries the client's registered key. When the file holds the key's certificate,
 * {@code x5t#S256} and {@code x5t} (RFC 7515 §4.1.8, §4.1.7) are sent: Entra ID identifies a certificate
 * credential by its {@code x5t}.
 */
public final class SigningKey {
    /** RFC 7518 §3.2: an HS256 key must be at least as long as the hash, 256 bits. */
    static final int MIN_HMAC_SECRET_BYTES = 32;

    private final JWSSigner signer;
    private final JWSHeader header;
    private final String publicIds;

    private SigningKey(JWSSigner signer, JWSHeader header, String publicIds) {
        this.signer = signer;
        this.header = header;
        this.publicIds = publicIds;
    }

    JWSSigner signer() {
        return signer;
    }

    /** The header of every assertion this key signs (immutable, shared by all of them). */
    JWSHeader header() {
        return header;
    }

    /**
     * The identifiers an operator registers or compares at the IdP, never key material:
     * {@code kid} (or {@code <none>}), {@code x5t#S256} when the file holds a certificate, and the key's
     * RFC 7638 {@code jwk-thumbprint} when its public half is known. Empty for a client secret.
     */
    public String publicIds() {
        return publicIds;
    }

    /**
     * @param password  PKCS#12 password ({@code null} for PEM and JWK)
     * @param keyId     {@code client-key-id}: the {@code kid} to send, or {@code null} for the JWK's own, if any
     * @param algorithm {@code client-key-alg}: RS256, PS256, ES256, or {@code null} for the JWK's {@code alg},
     *                  else RS256 for RSA keys and ES256 for EC keys
     * @throws CredentialFileException when the file, password or key cannot be used
     */
    public static SigningKey load(Path file, String password, String keyId, String algorithm) {
        return of(SigningKeyFile.read(file, password), keyId, algorithm);
    }

    /**
     * {@code client_secret_jwt} (OpenID Connect Core §9): HS256 with the client secret's UTF-8 bytes as
     * the key, as the IdP verifies it. No key identifiers: the client id names the secret.
     *
     * @throws CredentialFileException when the secret is shorter than 32 bytes
     */
    public static SigningKey hmac(String secret) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < MIN_HMAC_SECRET_BYTES) {
            // Never says how long it is: the message must tell nothing about the secret.
            throw new CredentialFileException("is shorter than " + MIN_HMAC_SECRET_BYTES + " bytes: client_secret_jwt"
                    + " signs HS256, which needs a key of at least 256 bits (RFC 7518 §3.2)", false);
        }
        try {
            return new SigningKey(new MACSigner(key), new JWSHeader.Builder(JWSAlgorithm.HS256)
                    .type(JOSEObjectType.JWT).build(), "");
        } catch (JOSEException e) {
            throw new CredentialFileException("cannot sign HS256 (" + e.getClass().getSimpleName() + ")", false);
        }
    }

    static SigningKey of(KeyMaterial material, String keyId, String algorithm) {
        PrivateKey privateKey = material.privateKey();
        PublicKey publicKey = material.publicKey();
        if (publicKey != null && !matches(privateKey, publicKey)) {
            throw new CredentialFileException(material.certificate() != null
                    ? "its certificate's public key does not match its private key (a certificate of another key?)"
                    : "its public key does not match its private key", false);
        }
        String alg = algorithm(algorithm, material.algorithm());
        try {
            JWSSigner signer;
            JWSAlgorithm jws;
            if (privateKey instanceof RSAPrivateKey || "RSA".equals(privateKey.getAlgorithm())) {
                jws = alg == null ? JWSAlgorithm.RS256 : JWSAlgorithm.parse(alg);
                if (!jws.equals(JWSAlgorithm.RS256) && !jws.equals(JWSAlgorithm.PS256)) {
                    throw new CredentialFileException("an RSA key signs RS256 or PS256, not " + jws, false);
                }
                if (publicKey == null && privateKey instanceof RSAPrivateCrtKey crt) {
                    publicKey = KeyFactory.getInstance("RSA").generatePublic(
                            new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
                }
                signer = new RSASSASigner(privateKey);
            } else if (privateKey instanceof ECPrivateKey ec) {
                jws = alg == null ? JWSAlgorithm.ES256 : JWSAlgorithm.parse(alg);
                if (!jws.equals(JWSAlgorithm.ES256) || !Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
                    throw new CredentialFileException("an EC key must be on P-256 and sign ES256", false);
                }
                signer = new ECDSASigner(ec);
            } else {
                throw new CredentialFileException("key type " + privateKey.getAlgorithm()
                        + " cannot sign; use an RSA (2048+ bits) or EC P-256 key", false);
            }
            String kid = keyId != null ? keyId : material.keyId();
            return new SigningKey(signer, header(jws, kid, material.certificate()),
                    publicIds(kid, material.certificate(), publicKey));
        } catch (JOSEException | GeneralSecurityException e) {
            // Nimbus refuses RSA keys under 2048 bits with a message that says so.
            throw new CredentialFileException("key cannot sign: " + e.getMessage(), false);
        }
    }

    /** {@code client-key-alg} wins; a JWK's own {@code alg} that says otherwise is a contradiction. */
    private static String algorithm(String setting, String jwkAlg) {
        if (setting != null && jwkAlg != null && !setting.equals(jwkAlg)) {
            throw new CredentialFileException("the JWK's alg is " + jwkAlg + " but client-key-alg is " + setting,
                    false);
        }
        return setting != null ? setting : jwkAlg;
    }

    /** Nimbus deprecates {@code x5t} (SHA-1) in favour of {@code x5t#S256}; Entra ID still identifies a certificate by it. */
    @SuppressWarnings("deprecation")
    private static JWSHeader header(JWSAlgorithm alg, String kid, X509Certificate certificate)
            throws GeneralSecurityException {
        JWSHeader.Builder header = new JWSHeader.Builder(alg).type(JOSEObjectType.JWT);
        if (kid != null) {
            header.keyID(kid);
        }
        if (certificate != null) {
            header.x509CertSHA256Thumbprint(X509CertUtils.computeSHA256Thumbprint(certificate))
                    .x509CertThumbprint(Base64URL.encode(MessageDigest.getInstance("SHA-1")
                            .digest(certificate.getEncoded())));
        }
        return header.build();
    }

    private static String publicIds(String kid, X509Certificate certificate, PublicKey publicKey)
            throws JOSEException {
        StringBuilder ids = new StringBuilder("kid=").append(kid == null ? "<none>" : kid);
        if (certificate != null) {
            ids.append(" x5t#S256=").append(X509CertUtils.computeSHA256Thumbprint(certificate));
        }
        if (publicKey instanceof RSAPublicKey rsa) {
            ids.append(" jwk-thumbprint=").append(new RSAKey.Builder(rsa).build().computeThumbprint());
        } else if (publicKey instanceof ECPublicKey ec) {
            ids.append(" jwk-thumbprint=").append(new ECKey.Builder(Curve.P_256, ec).build().computeThumbprint());
        }
        return ids.toString();
    }

    /**
     * Whether the public key is the private key's other half: the RSA modulus compared, an EC key proven
     * by signing a random challenge and verifying it (the JDK cannot derive an EC public key).
     */
    private static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        if (privateKey instanceof RSAPrivateKey rsa) {
            return publicKey instanceof RSAPublicKey pub && rsa.getModulus().equals(pub.getModulus())
                    && (!(rsa instanceof RSAPrivateCrtKey crt) || crt.getPublicExponent().equals(pub.getPublicExponent()));
        }
        if (privateKey instanceof ECPrivateKey && publicKey instanceof ECPublicKey) {
            try {
                byte[] challenge = new byte[32];
                new SecureRandom().nextBytes(challenge);
                Signature sign = Signature.getInstance("SHA256withECDSA");
                sign.initSign(privateKey);
                sign.update(challenge);
                byte[] signature = sign.sign();
                Signature verify = Signature.getInstance("SHA256withECDSA");
                verify.initVerify(publicKey);
                verify.update(challenge);
                return verify.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SigningKey[" + header.getAlgorithm() + " " + publicIds + "]";
    }
}
