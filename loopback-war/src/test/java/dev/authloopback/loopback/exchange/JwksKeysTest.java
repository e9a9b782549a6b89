package dev.authloopback.loopback.exchange;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.authloopback.loopback.credentials.ClientAuthSettings;
import dev.authloopback.loopback.credentials.UpstreamTls;
import dev.authloopback.testsupport.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The subject issuer's keys fetched over real HTTPS from a server whose certificate a private CA
 * signed: trusted through the profile's {@code trust-store}, as its token calls are; not by the JVM's
 * default CAs, when the set stays empty and every subject token is refused (fails closed).
 */
class JwksKeysTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    static Path dir;
    /** Made once: keytool runs are the slow part of this class. */
    private static TestPki pki;
    private HttpsServer server;
    private RSAKey key;
    private final AtomicInteger fetches = new AtomicInteger();

    @BeforeAll
    static void makeThePki() {
        pki = TestPki.create(dir);
    }

    @BeforeEach
    void startJwksOverHttps() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        byte[] set = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.serverKeyStore())) {
            store.load(in, TestPki.PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, TestPki.PASSWORD.toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/certs", exchange -> {
            fetches.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, set.length);
            exchange.getResponseBody().write(set);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void keysOfAnIdpWithAPrivateCaAreFetchedWithTheProfilesTrustStore() {
        SSLContext trust = UpstreamTls.trustOnly(ClientAuthSettings.transparent(pki.trustStore(), TestPki.PASSWORD));
        JwksKeys keys = new JwksKeys(url(), Duration.ofSeconds(5), Duration.ofSeconds(5), trust, CLOCK);

        JWKSet fetched = keys.keys(false);

        assertNotNull(fetched.getKeyByKeyId("k1"), fetched::toString);
        assertEquals(1, fetches.get());
        assertEquals(fetched, keys.keys(false), "kept for its max age");
        assertEquals(1, fetches.get());
    }

    @Test
    void withoutTheTrustStoreTheSetStaysEmptySoSubjectTokensAreRefused() {
        JwksKeys keys = new JwksKeys(url(), Duration.ofSeconds(5), Duration.ofSeconds(5),
                UpstreamTls.trustOnly(ClientAuthSettings.transparent(null, null)), CLOCK);

        assertTrue(keys.keys(false).getKeys().isEmpty());
        assertEquals(0, fetches.get(), "the handshake failed before any request");
    }

    private URI url() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/certs");
    }
}
