package dev.authloopback.loopback.exchange;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the JWKS endpoint hangs on a refetch, only the fetching request waits: the others go on with
 * the set they have. Real threads on a real HTTP server; the hang is a latch, time a mutable clock.
 */
class JwksKeysRefetchTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    private final AtomicInteger fetches = new AtomicInteger();
    private final CountDownLatch secondFetchInside = new CountDownLatch(1);
    private final CountDownLatch releaseSecondFetch = new CountDownLatch(1);
    private final AtomicReference<JWKSet> served = new AtomicReference<>();
    private final java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
    private HttpServer server;
    private RSAKey first;
    private RSAKey rotated;

    @BeforeEach
    void start() throws Exception {
        first = new RSAKeyGenerator(2048).keyID("k1").generate();
        rotated = new RSAKeyGenerator(2048).keyID("k2").generate();
        served.set(new JWKSet(first.toPublicJWK()));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.createContext("/certs", exchange -> {
            if (fetches.incrementAndGet() == 2) {
                secondFetchInside.countDown();
                try {
                    releaseSecondFetch.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] set = served.get().toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, set.length);
            exchange.getResponseBody().write(set);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        releaseSecondFetch.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    @Test
    void whileOneRequestRefetchesAStaleSetTheOthersGoOnWithTheSetTheyHave() throws Exception {
        JwksKeys keys = new JwksKeys(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/certs"),
                Duration.ofSeconds(5), Duration.ofSeconds(30), null, clock);
        assertNotNull(keys.keys(false).getKeyByKeyId("k1"));
        served.set(new JWKSet(java.util.List.of(first.toPublicJWK(), rotated.toPublicJWK())));
        clock.advance(JwksKeys.MAX_AGE);

        CompletableFuture<JWKSet> refetching = CompletableFuture.supplyAsync(() -> keys.keys(false));
        assertTrue(secondFetchInside.await(10, TimeUnit.SECONDS), "the stale set is fetched again");

        // The JWKS endpoint now hangs; a request with a known key is answered from the set it has.
        JWKSet meanwhile = CompletableFuture.supplyAsync(() -> keys.keys(false)).get(5, TimeUnit.SECONDS);
        assertNotNull(meanwhile.getKeyByKeyId("k1"));
        assertNull(meanwhile.getKeyByKeyId("k2"), "the new set is not there yet");
        assertFalse(refetching.isDone());

        releaseSecondFetch.countDown();
        assertNotNull(refetching.get(10, TimeUnit.SECONDS).getKeyByKeyId("k2"));
        assertNotNull(keys.keys(false).getKeyByKeyId("k2"), "every request has the new set now");
        assertEquals(2, fetches.get());
    }

    @Test
    void aTokenNamingAnUnknownKeyWaitsForTheFetchUnderWayAndCausesNoOtherCall() throws Exception {
        JwksKeys keys = new JwksKeys(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/certs"),
                Duration.ofSeconds(5), Duration.ofSeconds(30), null, clock);
        keys.keys(false);
        served.set(new JWKSet(java.util.List.of(first.toPublicJWK(), rotated.toPublicJWK())));
        clock.advance(JwksKeys.MIN_REFETCH);

        CompletableFuture<JWKSet> rotatedKid = CompletableFuture.supplyAsync(() -> keys.keys(true));
        assertTrue(secondFetchInside.await(10, TimeUnit.SECONDS));
        CompletableFuture<JWKSet> alsoRotated = CompletableFuture.supplyAsync(() -> keys.keys(true));
        releaseSecondFetch.countDown();

        assertNotNull(rotatedKid.get(10, TimeUnit.SECONDS).getKeyByKeyId("k2"));
        assertNotNull(alsoRotated.get(10, TimeUnit.SECONDS).getKeyByKeyId("k2"), "it waited for the set under way");
        assertEquals(2, fetches.get(), "and made no call of its own (at most one per " + JwksKeys.MIN_REFETCH + ")");
    }
}
