package dev.authloopback.loopback.credentials;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The private key that signs RFC 7523 client assertions, with its algorithm and {@code kid}. Read
 * from a PKCS#12 file (first key entry) or a PEM file holding an unencrypted PKCS#8
 * {@code PRIVATE KEY}, optionally followed by its {@code CERTIFICATE}.
 */
public final class SigningKey {
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private final JWSSigner signer;
    private final JWSAlgorithm algorithm;
    private final String keyId;

    private SigningKey(JWSSigner signer, JWSAlgorithm algorithm, String keyId) {
        this.signer = signer;
        this.algorithm = algorithm;
        this.keyId = keyId;
    }

    JWSSigner signer() {
        return signer;
    }

    JWSAlgorithm algorithm() {
        return algorithm;
    }

    String keyId() {
        return keyId;
    }

    /**
     * @param password  PKCS#12 password ({@code null} for PEM)
     * @param keyId     the {@code kid} to send, or {@code null} for the RFC 7638 thumbprint
     * @param algorithm RS256, PS256, ES256, or {@code null} to follow the key type
     * @throws CredentialFileException when the file, password or key cannot be used
     */
    public static SigningKey load(Path file, String password, String keyId, String algorithm) {
        byte[] bytes = CredentialFiles.read(file, CredentialFiles.MAX_KEY_BYTES);
        String text = new String(bytes, StandardCharsets.US_ASCII);
        PrivateKey privateKey;
        PublicKey publicKey;
        if (text.contains("-----BEGIN ")) {
            KeyPair pair = fromPem(text);
            privateKey = pair.privateKey;
            publicKey = pair.publicKey;
        } else {
            if (password == null) {
                throw new CredentialFileException("a PKCS#12 file needs its password (client-key-password)", true);
            }
            KeyPair pair = fromKeyStore(CredentialFiles.keyStore(bytes, password), password);
            privateKey = pair.privateKey;
            publicKey = pair.publicKey;
        }
        return of(privateKey, publicKey, keyId, algorithm);
    }

    private static SigningKey of(PrivateKey privateKey, PublicKey publicKey, String keyId, String algorithm) {
        try {
            if (privateKey instanceof RSAPrivateCrtKey || "RSA".equals(privateKey.getAlgorithm())) {
                JWSAlgorithm alg = algorithm == null ? JWSAlgorithm.RS256 : JWSAlgorithm.parse(algorithm);
                if (!alg.equals(JWSAlgorithm.RS256) && !alg.equals(JWSAlgorithm.PS256)) {
                    throw new CredentialFileException("an RSA key signs RS256 or PS256, not " + alg, false);
                }
                if (publicKey == null && privateKey instanceof RSAPrivateCrtKey crt) {
                    publicKey = KeyFactory.getInstance("RSA").generatePublic(
                            new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
                }
                String kid = keyId != null ? keyId : publicKey == null ? null
                        : new RSAKey.Builder((RSAPublicKey) publicKey).build().computeThumbprint().toString();
                if (kid == null) {
                    throw new CredentialFileException("the public key is unknown; set client-key-id", false);
                }
                return new SigningKey(new RSASSASigner(privateKey), alg, kid);
            }
            if (privateKey instanceof ECPrivateKey ec) {
                JWSAlgorithm alg = algorithm == null ? JWSAlgorithm.ES256 : JWSAlgorithm.parse(algorithm);
                if (!alg.equals(JWSAlgorithm.ES256) || !Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
                    throw new CredentialFileException("an EC key must be on P-256 and sign ES256", false);
                }
                String kid = keyId;
                if (kid == null && publicKey instanceof ECPublicKey pub) {
                    kid = new ECKey.Builder(Curve.P_256, pub).build().computeThumbprint().toString();
                }
                if (kid == null) {
                    throw new CredentialFileException("an EC key in PEM needs its CERTIFICATE in the same file,"
                            + " or client-key-id", false);
                }
                return new SigningKey(new ECDSASigner(ec), alg, kid);
            }
        } catch (JOSEException | GeneralSecurityException | IllegalArgumentException e) {
            if (e instanceof CredentialFileException c) {
                throw c;
            }
            // Nimbus refuses RSA keys under 2048 bits with a message that says so.
            throw new CredentialFileException("key cannot sign: " + e.getMessage(), false);
        }
        throw new CredentialFileException("key type " + privateKey.getAlgorithm()
                + " cannot sign; use an RSA (2048+ bits) or EC P-256 key", false);
    }

    private static KeyPair fromKeyStore(KeyStore store, String password) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    PrivateKey key = (PrivateKey) store.getKey(alias, password.toCharArray());
                    java.security.cert.Certificate cert = store.getCertificate(alias);
                    return new KeyPair(key, cert == null ? null : cert.getPublicKey());
                }
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new CredentialFileException("the key entry cannot be read with client-key-password ("
                    + e.getClass().getSimpleName() + ")", true);
        }
        throw new CredentialFileException("the key store holds no private key entry", false);
    }

    private static KeyPair fromPem(String text) {
        PrivateKey privateKey = null;
        PublicKey publicKey = null;
        Matcher block = PEM_BLOCK.matcher(text);
        while (block.find()) {
            String type = block.group(1);
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(block.group(2));
            } catch (IllegalArgumentException e) {
                throw new CredentialFileException("PEM block " + type + " is not valid base64", false);
            }
            switch (type) {
                case "PRIVATE KEY" -> privateKey = pkcs8(der);
                case "CERTIFICATE" -> {
                    if (publicKey == null) {
                        publicKey = certificateKey(der);
                    }
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" -> throw new CredentialFileException(
                        "PEM " + type + " is not supported; convert it to unencrypted PKCS#8 (openssl pkcs8 -topk8"
                                + " -nocrypt) or use a PKCS#12 file", false);
                default -> {
                    // Other blocks (a CA chain, parameters) play no part in signing.
                }
            }
        }
        if (privateKey == null) {
            throw new CredentialFileException("no PEM 'PRIVATE KEY' block found", false);
        }
        return new KeyPair(privateKey, publicKey);
    }

    private static PrivateKey pkcs8(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Try the next key type.
            }
        }
        throw new CredentialFileException("the PRIVATE KEY block is neither an RSA nor an EC key", false);
    }

    private static PublicKey certificateKey(byte[] der) {
        try {
            return CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey();
        } catch (GeneralSecurityException e) {
            throw new CredentialFileException("the CERTIFICATE block is not an X.509 certificate", false);
        }
    }

    @Override
    public String toString() {
        return "SigningKey[" + algorithm + " kid=" + keyId + "]";
    }

    private record KeyPair(PrivateKey privateKey, PublicKey publicKey) {
        @Override
        public String toString() {
            return "KeyPair[<masked>]";
        }
    }
}
