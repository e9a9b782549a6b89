package dev.authloopback.loopback.credentials;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code client-key-file}, its format told by its content: a JSON object is a JWK or a JWK Set
 * ({@link JwkFile}); text with a {@code -----BEGIN} line is PEM (an unencrypted PKCS#8
 * {@code PRIVATE KEY}, optionally with its {@code CERTIFICATE}); anything else is taken for a PKCS#12
 * key store (its first key entry, with that entry's certificate). At most
 * {@link CredentialFiles#MAX_KEY_BYTES}.
 */
final class SigningKeyFile {
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private SigningKeyFile() {
    }

    /**
     * @param password PKCS#12 password ({@code null} for PEM and JWK)
     * @throws CredentialFileException when the file holds no usable private key
     */
    static KeyMaterial read(Path file, String password) {
        byte[] bytes = CredentialFiles.read(file, CredentialFiles.MAX_KEY_BYTES);
        if (isJson(bytes)) {
            return JwkFile.parse(new String(bytes, StandardCharsets.UTF_8));
        }
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN ")) {
            return fromPem(text);
        }
        if (password == null) {
            throw new CredentialFileException("a PKCS#12 file needs its password (client-key-password)", true);
        }
        return fromKeyStore(CredentialFiles.keyStore(bytes, password), password);
    }

    /** A JSON object: its first character past white space (and a UTF-8 byte order mark) is '{'. */
    private static boolean isJson(byte[] bytes) {
        int i = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
                && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
            i++;
        }
        return i < bytes.length && bytes[i] == '{';
    }

    private static KeyMaterial fromKeyStore(KeyStore store, String password) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    PrivateKey key = (PrivateKey) store.getKey(alias, password.toCharArray());
                    Certificate cert = store.getCertificate(alias);
                    X509Certificate x509 = cert instanceof X509Certificate c ? c : null;
                    return new KeyMaterial(key, x509 == null ? null : x509.getPublicKey(), x509, null, null);
                }
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new CredentialFileException("the key entry cannot be read with client-key-password ("
                    + e.getClass().getSimpleName() + ")", true);
        }
        throw new CredentialFileException("the key store holds no private key entry", false);
    }

    /** The key's certificate is the first CERTIFICATE block, as in a chain file (leaf first). */
    private static KeyMaterial fromPem(String text) {
        PrivateKey privateKey = null;
        X509Certificate certificate = null;
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
                    if (certificate == null) {
                        certificate = certificate(der);
                    }
                }
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY" -> throw new CredentialFileException(
                        "PEM " + type + " is not supported; convert it to unencrypted PKCS#8 (openssl pkcs8 -topk8"
                                + " -nocrypt) or use a PKCS#12 file", false);
                default -> {
                    // Other blocks (parameters, say) play no part in signing.
                }
            }
        }
        if (privateKey == null) {
            throw new CredentialFileException("no PEM 'PRIVATE KEY' block found", false);
        }
        return new KeyMaterial(privateKey, certificate == null ? null : certificate.getPublicKey(), certificate, null,
                null);
    }

    private static PrivateKey pkcs8(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Try the next key type.
            }
        }
        throw new CredentialFileException("the PRIVATE KEY block is neither an RSA nor an EC key", false);
    }

    private static X509Certificate certificate(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new CredentialFileException("the CERTIFICATE block is not an X.509 certificate", false);
        }
    }
}
