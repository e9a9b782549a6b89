package dev.authloopback.testsupport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Keys and certificates made at test time with the JDK's {@code keytool} — the very commands the
 * README gives operators — in a temporary directory: a self-signed CA, a server certificate for
 * 127.0.0.1 and a client certificate, both signed by the CA, and the trust store holding the CA.
 * Nothing secret is committed.
 */
public final class TestPki {
    public static final String PASSWORD = "changeit-pki-7a1d";
    public static final String CLIENT_CN = "loopback-client";

    private final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    public static TestPki create(Path dir) {
        TestPki pki = new TestPki(dir);
        pki.keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Loopback Test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", PASSWORD);
        pki.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-file", "ca.crt");
        pki.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore", "truststore.p12",
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        pki.signed("server", "CN=127.0.0.1", "san=ip:127.0.0.1");
        pki.signed("client", "CN=" + CLIENT_CN, "eku=clientAuth");
        return pki;
    }

    /** A key pair with a CA-signed certificate in {@code name.p12}, the CA in the chain. */
    private void signed(String name, String dname, String extension) {
        String store = name + ".p12";
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-validity", "2",
                "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", store, "-storepass", PASSWORD, "-file", name + ".csr");
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass", PASSWORD, "-infile",
                name + ".csr", "-outfile", name + ".crt", "-ext", extension, "-validity", "2");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore", store, "-storepass", PASSWORD);
        keytool("-importcert", "-alias", name, "-file", name + ".crt", "-keystore", store, "-storepass", PASSWORD);
    }

    public Path serverKeyStore() {
        return dir.resolve("server.p12");
    }

    public Path clientKeyStore() {
        return dir.resolve("client.p12");
    }

    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    public PublicKey clientPublicKey() {
        try {
            KeyStore store = KeyStore.getInstance(clientKeyStore().toFile(), PASSWORD.toCharArray());
            return store.getCertificate("client").getPublicKey();
        } catch (Exception e) {
            throw new IllegalStateException("client.p12 unreadable", e);
        }
    }

    /** A fresh EC P-256 key pair, its private key written as an unencrypted PKCS#8 PEM file. */
    public KeyPair ecKeyAsPem(Path pem) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pair.getPrivate().getEncoded());
            Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
            return pair;
        } catch (Exception e) {
            throw new IllegalStateException("EC key generation failed", e);
        }
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Processes.runOk(dir, Duration.ofSeconds(60), command);
    }
}
