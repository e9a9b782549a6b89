package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.CountingUpstream.Answer;
import dev.authloopback.loopback.support.LoopbackTestServer;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleFlightTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final int HERD = 40;

    private CountingUpstream upstream;
    private LoopbackTestServer loopback;
    private ExecutorService callers;

    @BeforeEach
    void start() throws Exception {
        upstream = new CountingUpstream();
        loopback = new LoopbackTestServer(Map.of("upstream-url", upstream.url(), "refresh-ahead", "0"),
                new MutableClock(Instant.parse("2026-01-01T00:00:00Z")));
        callers = Executors.newFixedThreadPool(HERD);
    }

    @AfterEach
    void stop() throws Exception {
        callers.shutdownNow();
        loopback.close();
        upstream.close();
    }

    /**
     * Holds every upstream answer until the whole herd is inside the loopback (bounded), so on a
     * busy machine no straggler arrives after the shared call ended and makes a second one.
     */
    private void holdUpstreamUntilHerdArrived(int size) {
        CountDownLatch arrived = new CountDownLatch(1);
        upstream.gate(arrived);
        Thread watcher = new Thread(() -> {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            try {
                while (loopback.activeRequests() < size && System.nanoTime() < end) {
                    Thread.sleep(5);
                }
                Thread.sleep(100); // the last arrivals' bodies are on the wire; let them join the call
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                arrived.countDown();
            }
        }, "herd-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private List<HttpResponse<String>> herd(int size, java.util.function.IntFunction<String> bodyFor)
            throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String body = bodyFor.apply(i);
            Callable<HttpResponse<String>> call = () -> {
                go.await(10, TimeUnit.SECONDS);
                return loopback.post("", FORM, body);
            };
            futures.add(callers.submit(call));
        }
        go.countDown();
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<HttpResponse<String>> f : futures) {
            responses.add(f.get(30, TimeUnit.SECONDS));
        }
        return responses;
    }

    @Test
    void concurrentColdRequestsForOneKeyMakeExactlyOneUpstreamCall() throws Exception {
        upstream.hold(300);
        holdUpstreamUntilHerdArrived(HERD);
        List<HttpResponse<String>> responses = herd(HERD, i -> "grant_type=client_credentials&scope=a");

        assertEquals(1, upstream.calls(), "upstream calls for one key");
        Set<String> bodies = new HashSet<>();
        int miss = 0;
        for (HttpResponse<String> r : responses) {
            assertEquals(200, r.statusCode(), r.body());
            bodies.add(r.body());
            String cache = r.headers().firstValue("X-Loopback-Cache").orElse("");
            assertTrue(Set.of("MISS", "COALESCED", "HIT").contains(cache), r.headers().toString());
            miss += cache.equals("MISS") ? 1 : 0;
        }
        assertEquals(1, bodies.size(), "every caller got the same token");
        assertEquals(1, miss, "exactly one caller made the call");
    }

    @Test
    void differentKeysDoNotWaitForEachOther() throws Exception {
        upstream.hold(300);
        herd(HERD, i -> "grant_type=client_credentials&scope=s" + (i % 4));

        assertEquals(4, upstream.calls(), "one upstream call per key");
        List<CountingUpstream.Received> calls = upstream.received();
        long latestStart = calls.stream().mapToLong(CountingUpstream.Received::startedNanos).max().orElseThrow();
        long earliestEnd = calls.stream().mapToLong(CountingUpstream.Received::endedNanos).min().orElseThrow();
        assertTrue(latestStart < earliestEnd, "the 4 upstream calls overlapped in time (no global lock)");
    }

    @Test
    void anErrorIsSharedWithAllWaitersAndNeverStored() throws Exception {
        upstream.hold(300);
        holdUpstreamUntilHerdArrived(HERD);
        upstream.script(n -> n == 1 ? new Answer(503, "application/json", "{\"error\":\"down\"}", Map.of())
                : Answer.token("tok-" + n, 3600L));
        List<HttpResponse<String>> responses = herd(HERD, i -> "grant_type=client_credentials");

        for (HttpResponse<String> r : responses) {
            assertEquals(503, r.statusCode(), r.body());
        }
        assertEquals(1, upstream.calls(), "the herd shared one failing call");
        HttpResponse<String> next = loopback.post("", FORM, "grant_type=client_credentials");
        assertEquals(200, next.statusCode(), next.body());
        assertEquals(2, upstream.calls(), "the error was not stored: the next request called upstream again");
    }
}
