package dev.authloopback.loopback.credentials;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import dev.authloopback.testsupport.Processes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;

/**
 * A key with its self-signed certificate, made by the JDK's {@code keytool} (the README's command), and
 * written in each form {@code client-key-file} takes: PKCS#12, PEM with or without the certificate, JWK
 * with or without {@code kid} and {@code x5c}.
 */
public record TestKeys(Path dir, String name, PrivateKey privateKey, X509Certificate certificate) {
    public static final String PASSWORD = "test-key-pa55";

    /** @param type "RSA" (2048 bits) or "EC" (P-256) */
    public static TestKeys make(Path dir, String name, String type) {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> size = type.equals("EC") ? List.of("-groupname", "secp256r1") : List.of("-keysize", "2048");
        List<String> command = new java.util.ArrayList<>(List.of(keytool, "-genkeypair", "-alias", name, "-keyalg",
                type, "-dname", "CN=" + name, "-validity", "2", "-keystore", name + ".p12", "-storetype", "PKCS12",
                "-storepass", PASSWORD));
        command.addAll(size);
        Processes.runOk(dir, Duration.ofSeconds(60), command);
        try {
            KeyStore store = KeyStore.getInstance(dir.resolve(name + ".p12").toFile(), PASSWORD.toCharArray());
            return new TestKeys(dir, name, (PrivateKey) store.getKey(name, PASSWORD.toCharArray()),
                    (X509Certificate) store.getCertificate(name));
        } catch (Exception e) {
            throw new IllegalStateException("keytool's key store unreadable", e);
        }
    }

    public Path pkcs12() {
        return dir.resolve(name + ".p12");
    }

    public Path pem() throws Exception {
        return Files.writeString(dir.resolve(name + "-key.pem"), pem("PRIVATE KEY", privateKey.getEncoded()));
    }

    public Path pemWithCertificate() throws Exception {
        return Files.writeString(dir.resolve(name + "-key-cert.pem"), pem("PRIVATE KEY", privateKey.getEncoded())
                + pem("CERTIFICATE", certificate.getEncoded()));
    }

    /** This key's PEM followed by another key's certificate: a mistake the loader must catch. */
    public Path pemWithCertificateOf(TestKeys other) throws Exception {
        return Files.writeString(dir.resolve(name + "-key-" + other.name + "-cert.pem"),
                pem("PRIVATE KEY", privateKey.getEncoded()) + pem("CERTIFICATE", other.certificate.getEncoded()));
    }

    /** The private JWK, with the given kid (or none) and with or without its certificate as x5c. */
    public JWK jwk(String kid, boolean withCertificate) throws Exception {
        List<Base64> x5c = withCertificate ? List.of(Base64.encode(certificate.getEncoded())) : null;
        if (privateKey instanceof RSAPrivateKey rsa) {
            return new RSAKey.Builder((RSAPublicKey) certificate.getPublicKey()).privateKey(rsa).keyID(kid)
                    .x509CertChain(x5c).build();
        }
        return new ECKey.Builder(Curve.P_256, (ECPublicKey) certificate.getPublicKey())
                .privateKey((ECPrivateKey) privateKey).keyID(kid).x509CertChain(x5c).build();
    }

    public Path write(String fileName, String content) throws Exception {
        return Files.writeString(dir.resolve(fileName), content);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + java.util.Base64.getMimeEncoder(64,
                "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
