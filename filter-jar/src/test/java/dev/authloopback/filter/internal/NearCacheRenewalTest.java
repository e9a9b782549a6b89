package dev.authloopback.filter.internal;

import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When local-ttl ends while the token is still valid, one request renews it and the others keep
 * the current token instead of all asking the loopback at once (each holding a request thread).
 */
class NearCacheRenewalTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));

    /** Hands out tok-1, tok-2, ... (3600 s each); calls after the first wait for {@link #release}. */
    private final class LoopbackStandIn implements TokenSource {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch renewing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean fail;

        @Override
        public Token token() throws TokenUnavailableException {
            int n = calls.incrementAndGet();
            if (n > 1) {
                renewing.countDown();
                try {
                    assertTrue(release.await(10, TimeUnit.SECONDS), "released");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (fail) {
                    throw TokenUnavailableException.unreachable("down", null);
                }
            }
            return new Token("tok-" + n, "\"e" + n + "\"", Duration.ofSeconds(3600), clock.instant());
        }

        @Override
        public void evict(Token refused) {
        }
    }

    @Test
    void whileOneRequestRenewsTheOthersKeepTheValidToken() throws Exception {
        LoopbackStandIn loopback = new LoopbackStandIn();
        NearCache cache = new NearCache(loopback, Duration.ofSeconds(10), clock);
        assertEquals("tok-1", cache.token().value());
        clock.advance(Duration.ofSeconds(11));

        ExecutorService renewer = Executors.newSingleThreadExecutor();
        try {
            Future<Token> renewed = renewer.submit(cache::token);
            assertTrue(loopback.renewing.await(10, TimeUnit.SECONDS), "one request is renewing");
            for (int i = 0; i < 50; i++) {
                assertEquals("tok-1", cache.token().value(), "the others are not held up");
            }
            loopback.release.countDown();
            assertEquals("tok-2", renewed.get(10, TimeUnit.SECONDS).value());
        } finally {
            renewer.shutdownNow();
        }
        assertEquals("tok-2", cache.token().value());
        assertEquals(2, loopback.calls.get(), "one renewal for 51 requests");
    }

    @Test
    void aFailedRenewalKeepsTheValidTokenAndTheNextRequestTriesAgain() throws Exception {
        LoopbackStandIn loopback = new LoopbackStandIn();
        NearCache cache = new NearCache(loopback, Duration.ofSeconds(10), clock);
        cache.token();
        clock.advance(Duration.ofSeconds(11));
        loopback.fail = true;
        loopback.release.countDown();

        assertEquals("tok-1", cache.token().value(), "renewal failed: the valid token stays");
        assertEquals("tok-1", cache.token().value());
        assertEquals(3, loopback.calls.get(), "each request after local-ttl tries once more");
    }

    @Test
    void pastTheTokensOwnValidityEveryRequestAsks() {
        LoopbackStandIn loopback = new LoopbackStandIn();
        NearCache cache = new NearCache(loopback, Duration.ofSeconds(10), clock);
        assertEquals("tok-1", assertDoesNotThrow(cache));
        clock.advance(Duration.ofSeconds(3600 - 60));
        loopback.fail = true;
        loopback.release.countDown();

        assertThrows(TokenUnavailableException.class, cache::token, "an expired token is never served");
    }

    private static String assertDoesNotThrow(NearCache cache) {
        try {
            return cache.token().value();
        } catch (TokenUnavailableException e) {
            throw new AssertionError(e);
        }
    }
}
