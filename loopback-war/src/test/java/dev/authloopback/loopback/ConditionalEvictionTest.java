package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ConditionalEvictionTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials";

    private CountingUpstream upstream;
    private MutableClock clock;
    private LoopbackTestServer loopback;

    @BeforeEach
    void start() throws Exception {
        upstream = new CountingUpstream();
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        loopback = new LoopbackTestServer(Map.of("upstream-url", upstream.url(), "refresh-ahead", "0"), clock);
    }

    @AfterEach
    void stop() throws Exception {
        loopback.close();
        upstream.close();
    }

    private HttpResponse<String> evict(String etag) throws Exception {
        HttpRequest.Builder delete = HttpRequest.newBuilder(loopback.uri("")).timeout(Duration.ofSeconds(10))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(BODY)).header("Content-Type", FORM);
        if (etag != null) {
            delete.header("If-Match", etag);
        }
        return loopback.send(delete.build());
    }

    private static String etag(HttpResponse<String> r) {
        return r.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("no ETag: " + r.headers()));
    }

    @Test
    void evictionWithTheCurrentEtagDropsTheEntryAndTheNextRequestGetsANewToken() throws Exception {
        HttpResponse<String> first = loopback.post("", FORM, BODY);
        HttpResponse<String> evicted = evict(etag(first));
        assertEquals(204, evicted.statusCode(), evicted.body());
        HttpResponse<String> next = loopback.post("", FORM, BODY);
        assertEquals("MISS", next.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertNotEquals(first.body(), next.body());
        assertEquals(2, upstream.calls());
    }

    @Test
    void aLateEvictionCarryingTheOldEtagIsRefusedAndTheNewTokenStays() throws Exception {
        HttpResponse<String> first = loopback.post("", FORM, BODY);
        evict(etag(first));
        HttpResponse<String> renewed = loopback.post("", FORM, BODY);
        clock.advance(Duration.ofSeconds(10));

        HttpResponse<String> late = evict(etag(first));
        assertEquals(412, late.statusCode(), late.body());
        HttpResponse<String> still = loopback.post("", FORM, BODY);
        assertEquals("HIT", still.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals(renewed.body(), still.body());
    }

    @Test
    void fiftyConcurrentEvictionsOfTheSameTokenEvictOnce() throws Exception {
        HttpResponse<String> first = loopback.post("", FORM, BODY);
        String etag = etag(first);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> results = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                results.add(pool.submit(() -> {
                    go.await(10, TimeUnit.SECONDS);
                    return evict(etag);
                }));
            }
            go.countDown();
            int evicted = 0;
            for (Future<HttpResponse<String>> r : results) {
                int status = r.get(30, TimeUnit.SECONDS).statusCode();
                evicted += status == 204 ? 1 : 0;
            }
            assertEquals(1, evicted, "exactly one eviction");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void forcedRefreshesPerKeyAreRateLimited() throws Exception {
        HttpResponse<String> first = loopback.post("", FORM, BODY);
        assertEquals(204, evict(etag(first)).statusCode());
        HttpResponse<String> second = loopback.post("", FORM, BODY);

        HttpResponse<String> tooSoon = evict(etag(second));
        assertEquals(429, tooSoon.statusCode(), tooSoon.body());
        assertEquals("5", tooSoon.headers().firstValue("Retry-After").orElse(null));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(204, evict(etag(second)).statusCode());
    }

    @Test
    void evictionWithoutIfMatchIsRefusedAndWithoutEntryIsNotFound() throws Exception {
        assertEquals(404, evict("\"nothing\"").statusCode());
        loopback.post("", FORM, BODY);
        HttpResponse<String> noPrecondition = evict(null);
        assertEquals(428, noPrecondition.statusCode(), noPrecondition.body());
        assertEquals("HIT", loopback.post("", FORM, BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
    }

    @Test
    void adminEvictAllEmptiesTheProfile() throws Exception {
        loopback.post("", FORM, BODY);
        HttpResponse<String> all = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/entries"))
                .DELETE().build());
        assertEquals(204, all.statusCode(), all.body());
        assertEquals("MISS", loopback.post("", FORM, BODY).headers().firstValue("X-Loopback-Cache").orElse(null));
    }

    @Test
    void noRequestHeaderBypassesTheCache() throws Exception {
        loopback.post("", FORM, BODY);
        HttpResponse<String> r = loopback.post("", FORM, BODY, "Cache-Control", "no-cache", "Pragma", "no-cache");
        assertEquals("HIT", r.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals(1, upstream.calls());
    }
}
