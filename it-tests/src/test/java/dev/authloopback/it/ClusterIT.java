package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.MutableClock;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three loopback nodes (three embedded Jetty servers, each with its own deployed loopback.war and
 * CacheManager) and one real Terracotta server started from the ehcache-clustered kit (issue 14):
 * one upstream call per key for the whole cluster, cluster-wide eviction, a lease holder that dies,
 * and the server itself killed by its process id under load and started again.
 */
class ClusterIT {
    private static final int NODES = 3;
    private static final int HERD = 300;
    private static final Duration HOLD = Duration.ofMillis(300);
    private static final Duration MAX_HOLD = Duration.ofSeconds(20);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private TerracottaServer terracotta;
    private FaultyUpstream upstream;
    /** The cluster's key, the same on every node (docs/cluster.md). */
    private java.nio.file.Path keyFile;

    @BeforeEach
    void startServerAndUpstream() {
        terracotta = TerracottaServer.fromKit().start();
        resources.add(terracotta);
        keyFile = ClusterKeyFiles.oneKey(terracotta.directory().resolve("cluster.keys"));
        upstream = FaultyUpstream.start();
        resources.add(upstream);
        System.out.printf("ClusterIT: Terracotta server ready in %d ms on port %d (pid %d)%n",
                terracotta.startedIn().toMillis(), terracotta.port(), terracotta.pid());
    }

    @AfterEach
    void stopEverything() throws Exception {
        Collections.reverse(resources);
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private static String body(String scope) {
        return "grant_type=client_credentials&client_id=cluster&client_secret=cluster-secret&scope=" + scope;
    }

    private LoopbackServer node(boolean clustered, String... settings) {
        return node(clustered, null, settings);
    }

    private LoopbackServer node(boolean clustered, MutableClock clock, String... settings) {
        LoopbackServer.Builder builder = LoopbackServer.builder().upstream(upstream.tokenUrl());
        if (clock != null) {
            builder.clock(clock);
        }
        if (clustered) {
            builder.setting("cluster-uri", terracotta.uri("auth-loopback"))
                    .setting("cluster-key-file", keyFile)
                    .setting("cluster-pool-size", "8MiB")
                    .setting("cluster-retry-interval", "1s")
                    .setting("cluster-connection-timeout", "2s");
        }
        for (int i = 0; i + 1 < settings.length; i += 2) {
            builder.setting(settings[i], settings[i + 1]);
        }
        LoopbackServer node = builder.start();
        resources.add(node);
        return node;
    }

    private List<LoopbackServer> nodes(boolean clustered, String... settings) {
        List<LoopbackServer> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(node(clustered, settings));
        }
        return nodes;
    }

    @Test
    void threeHundredColdRequestsOverThreeNodesMakeOneUpstreamCallWithTheClusterAndThreeWithout() throws Exception {
        int[] calls = new int[2];
        for (boolean clustered : new boolean[] {true, false}) {
            upstream.reset();
            List<LoopbackServer> nodes = nodes(clustered);
            BooleanSupplier allInside = () -> nodes.stream().mapToInt(LoopbackServer::activeRequests).sum() >= HERD;
            upstream.otherwise(Answer.holdUntil(HOLD, allInside, MAX_HOLD, Answer.ok()));

            Herd.Outcome herd = Herd.run(HERD, TIMEOUT,
                    i -> http.post(nodes.get(i % NODES).tokenUrl(), FORM, body("cold")));
            Set<String> tokens = herd.answers().stream().map(ClusterIT::accessToken).collect(Collectors.toSet());
            Map<String, Long> states = cacheStates(herd.answers());
            Supplier<String> message = () -> "clustered=" + clustered + " states " + states + " upstream "
                    + upstream.calls() + " answers " + herd.answers().stream().filter(a -> a.status() != 200).toList();

            assertTrue(herd.answers().stream().allMatch(a -> a.status() == 200), message);
            assertEquals(clustered ? 1 : NODES, upstream.callCount(), message);
            assertEquals(clustered ? 1 : NODES, tokens.size(), message);
            calls[clustered ? 0 : 1] = upstream.callCount();
            System.out.printf("ClusterIT cold herd: %d requests over %d nodes, clustered=%s: %d upstream call(s),"
                            + " %d distinct token(s), states %s, wall %d ms%n", HERD, NODES, clustered,
                    upstream.callCount(), tokens.size(), states, herd.wallTime().toMillis());
            for (LoopbackServer node : nodes) {
                node.close();
                resources.remove(node);
            }
        }
        System.out.printf("ClusterIT side by side: upstream calls for one cold key over %d nodes: with cluster-uri %d,"
                + " without %d%n", NODES, calls[0], calls[1]);
    }

    @Test
    void anEvictionOnOneNodeHoldsForEveryNode() {
        upstream.otherwise(Answer.ok());
        List<LoopbackServer> nodes = nodes(true);
        Http.Answer first = post(nodes.get(0), "evict");
        Http.Answer shared = post(nodes.get(1), "evict");
        Http.Answer evicted = http.send(HttpRequest.newBuilder(nodes.get(0).tokenUrl())
                .header("Content-Type", FORM)
                .header("If-Match", first.header("ETag"))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body("evict"))));
        Http.Answer onTwo = post(nodes.get(1), "evict");
        Http.Answer onThree = post(nodes.get(2), "evict");
        Supplier<String> message = () -> "first " + first + "\nshared " + shared + "\nDELETE " + evicted
                + "\nnode 2 after " + onTwo + "\nnode 3 after " + onThree + "\nupstream " + upstream.calls();

        assertEquals("MISS", first.header("X-Loopback-Cache"), message);
        assertEquals("HIT", shared.header("X-Loopback-Cache"), message);
        assertEquals(accessToken(first), accessToken(shared), message);
        assertEquals(204, evicted.status(), message);
        assertEquals("MISS", onTwo.header("X-Loopback-Cache"), message);
        assertNotEquals(accessToken(first), accessToken(onTwo), message);
        assertEquals("HIT", onThree.header("X-Loopback-Cache"), message);
        assertEquals(accessToken(onTwo), accessToken(onThree), message);
        assertEquals(2, upstream.callCount(), message);

        // The rate limit is the cluster's too: the new token refused at once on another node is too soon.
        Http.Answer tooSoon = http.send(HttpRequest.newBuilder(nodes.get(2).tokenUrl())
                .header("Content-Type", FORM)
                .header("If-Match", onTwo.header("ETag"))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body("evict"))));
        assertEquals(429, tooSoon.status(), () -> message.get() + "\nsecond DELETE on node 3 " + tooSoon);
        assertEquals("HIT", post(nodes.get(0), "evict").header("X-Loopback-Cache"), message);

        // The admin's evict-all on one node empties the clustered tier for every node.
        Http.Answer evictAll = http.send(HttpRequest.newBuilder(nodes.get(2).url("/admin/entries")).DELETE());
        Http.Answer afterAll = post(nodes.get(0), "evict");
        assertEquals(204, evictAll.status(), () -> message.get() + "\nevict-all " + evictAll);
        assertEquals("MISS", afterAll.header("X-Loopback-Cache"), () -> message.get() + "\nafter evict-all " + afterAll);
        assertEquals(3, upstream.callCount(), message);
    }

    @Test
    void refreshAheadRunsOnOneNodeOfTheCluster() throws Exception {
        // One clock for the three nodes (they share a JVM here), moved instead of slept on.
        MutableClock clock = MutableClock.startingNow();
        upstream.otherwise(Answer.ok(600));
        List<LoopbackServer> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(node(true, clock, "refresh-ahead", "0.5"));
        }
        Http.Answer first = post(nodes.get(0), "refresh");
        for (LoopbackServer node : nodes) {
            assertEquals(accessToken(first), accessToken(post(node, "refresh")));
        }
        // expires_in 600 s, skew 60 s: fresh for 540 s, refreshed ahead from 270..405 s on.
        clock.advance(Duration.ofSeconds(420));
        Herd.Outcome inWindow = Herd.run(60, TIMEOUT, i -> post(nodes.get(i % NODES), "refresh"));
        awaitTrue(() -> upstream.callCount() >= 2, Duration.ofSeconds(20), "one refresh ahead");
        // Hits keep coming on every node until each has seen the renewed token.
        Set<String> after = new java.util.HashSet<>();
        awaitTrue(() -> {
            after.clear();
            nodes.forEach(n -> after.add(accessToken(post(n, "refresh"))));
            return after.size() == 1 && !after.contains(accessToken(first));
        }, Duration.ofSeconds(20), "every node serving the renewed token");
        Herd.Outcome later = Herd.run(60, TIMEOUT, i -> post(nodes.get(i % NODES), "refresh"));
        Supplier<String> message = () -> "in window " + cacheStates(inWindow.answers()) + " later "
                + cacheStates(later.answers()) + "\nupstream " + upstream.calls();

        assertTrue(inWindow.answers().stream().allMatch(a -> a.status() == 200 && "HIT".equals(a.header("X-Loopback-Cache"))),
                message);
        assertTrue(later.answers().stream().allMatch(a -> "HIT".equals(a.header("X-Loopback-Cache"))
                && after.contains(accessToken(a))), message);
        assertEquals(2, upstream.callCount(), message);
        System.out.printf("ClusterIT refresh ahead: 60 hits over %d nodes in the refresh window -> %d upstream calls in"
                + " all (1 initial + 1 refresh), every node then serves the renewed token%n", NODES, upstream.callCount());
    }

    @Test
    void aLeaseHolderStoppedMidFetchCostsTheOthersOneDeadlineAndNoFailedRequest() throws Exception {
        // Lease = connect + read timeout + 1 s of slack = 3 s.
        List<LoopbackServer> nodes = nodes(true, "connect-timeout", "1s", "read-timeout", "1s");
        CountDownLatch holderStopped = new CountDownLatch(1);
        upstream.script(Answer.holdUntil(Duration.ZERO, () -> holderStopped.getCount() == 0, MAX_HOLD, Answer.ok()));
        upstream.otherwise(Answer.ok());

        Thread holder = new Thread(() -> {
            try {
                post(nodes.get(0), "lease");
            } catch (RuntimeException nodeWentAway) {
                // Its caller loses the connection when node 1 stops; a balancer would retry elsewhere.
            }
        });
        holder.start();
        awaitTrue(() -> upstream.callCount() == 1, Duration.ofSeconds(10), "node 1 calling upstream");
        long waitersStart = System.nanoTime();
        Herd.Outcome[] waiters = new Herd.Outcome[1];
        Thread herd = new Thread(() -> {
            try {
                waiters[0] = Herd.run(20, TIMEOUT, i -> post(nodes.get(1 + i % 2), "lease"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        herd.start();
        // Node 1 goes away while its upstream call is still running: its lease stays until its deadline.
        LoopbackServer holderNode = nodes.get(0);
        resources.remove(holderNode);
        try {
            holderNode.close();
        } catch (IllegalStateException stopTimedOut) {
            // Jetty's graceful stop gives up on the request still waiting for the upstream: that is the point.
        } finally {
            holderStopped.countDown();
        }
        herd.join(TIMEOUT.toMillis());
        holder.join(TIMEOUT.toMillis());
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitersStart);
        Supplier<String> message = () -> "waiters " + (waiters[0] == null ? null : cacheStates(waiters[0].answers()))
                + " " + (waiters[0] == null ? "" : waiters[0].answers().stream().filter(a -> a.status() != 200).toList())
                + "\nupstream " + upstream.calls();

        assertTrue(waiters[0] != null && waiters[0].answers().stream().allMatch(a -> a.status() == 200), message);
        assertEquals(2, upstream.callCount(), message);
        assertEquals(1, waiters[0].answers().stream().map(ClusterIT::accessToken).distinct().count(), message);
        System.out.printf("ClusterIT lease holder stopped mid-fetch: 20 requests on nodes 2 and 3 all 200 after %d ms"
                + " (lease 3 s), %d upstream calls, states %s%n", waitedMillis, upstream.callCount(),
                cacheStates(waiters[0].answers()));
    }

    @Test
    void terracottaKilledUnderLoadFailsNoRequestAndTheNodesShareAgainWhenItIsBack() throws Exception {
        upstream.otherwise(Answer.ok());
        List<String> keys = List.of("k1", "k2", "k3", "k4");
        try (LogCapture logs = LogCapture.start(Level.ALL, "dev.authloopback.loopback.cluster")) {
            List<LoopbackServer> nodes = nodes(true);
            for (String key : keys) {
                for (LoopbackServer node : nodes) {
                    assertEquals(200, post(node, key).status());
                }
            }
            assertEquals(keys.size(), upstream.callCount(), () -> "warm-up " + upstream.calls());

            ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int thread = t;
                Thread worker = new Thread(() -> {
                    int i = thread;
                    while (running.get()) {
                        long start = System.nanoTime();
                        Http.Answer answer = post(nodes.get(i % NODES), keys.get(i / NODES % keys.size()));
                        samples.add(new Sample(start, System.nanoTime() - start, answer.status(),
                                answer.header("X-Loopback-Cache")));
                        i++;
                    }
                });
                worker.start();
                load.add(worker);
            }
            long loadStart = System.nanoTime();
            awaitTrue(() -> samples.size() > 300, Duration.ofSeconds(30), "load running");

            long killedAt = System.nanoTime();
            terracotta.kill();
            awaitTrue(() -> nodes.stream().allMatch(n -> "DEGRADED".equals(health(n).path("status").asText())),
                    Duration.ofSeconds(30), "every node DEGRADED");
            long detectedAt = System.nanoTime();
            JsonNode degraded = health(nodes.get(0));
            String metricsWhileDown = http.get(nodes.get(1).url("/admin/metrics")).body();
            int callsAtDetection = upstream.callCount();
            // Outage under load: at least two seconds of requests after every node knows.
            awaitTrue(() -> System.nanoTime() - detectedAt > TimeUnit.SECONDS.toNanos(2), Duration.ofSeconds(5), "outage");
            int callsInOutage = upstream.callCount();

            long restartAt = System.nanoTime();
            terracotta.restart();
            awaitTrue(() -> nodes.stream().allMatch(n -> "UP".equals(health(n).path("status").asText())),
                    Duration.ofSeconds(30), "every node UP again");
            long sharedAgainAt = System.nanoTime();
            running.set(false);
            for (Thread worker : load) {
                worker.join(TIMEOUT.toMillis());
            }

            int callsBeforeNewKey = upstream.callCount();
            Http.Answer newOnOne = post(nodes.get(0), "after-restart");
            Http.Answer newOnTwo = post(nodes.get(1), "after-restart");
            Http.Answer newOnThree = post(nodes.get(2), "after-restart");

            List<Sample> all = new ArrayList<>(samples);
            List<Sample> failed = all.stream().filter(s -> s.status != 200).toList();
            List<Long> afterDetection = all.stream().filter(s -> s.startNanos >= detectedAt && s.startNanos < restartAt)
                    .map(s -> s.nanos).sorted().toList();
            List<Long> beforeKill = all.stream().filter(s -> s.startNanos < killedAt).map(s -> s.nanos).sorted().toList();
            Supplier<String> message = () -> "failed " + failed.size() + " " + failed.stream().limit(5).toList()
                    + "\nupstream calls: warm " + keys.size() + ", at detection " + callsAtDetection + ", in outage "
                    + callsInOutage + ", before new key " + callsBeforeNewKey + ", total " + upstream.callCount()
                    + "\nhealth while down " + degraded + "\nafter restart: " + newOnOne.header("X-Loopback-Cache")
                    + " " + newOnTwo.header("X-Loopback-Cache") + " " + newOnThree.header("X-Loopback-Cache")
                    + "\nlog " + logs.linesContaining("cluster tier");

            assertTrue(failed.isEmpty(), message);
            assertTrue(callsInOutage - keys.size() <= keys.size() * NODES, message);
            assertTrue(degraded.path("reasons").toString().contains("cluster_unreachable"), message);
            assertTrue(metricsWhileDown.contains("loopback_cluster_connected 0.0")
                    && metricsWhileDown.contains("loopback_cluster_failovers_total 1.0")
                    && metricsWhileDown.contains("loopback_health{profile=\"default\",status=\"DEGRADED\"} 1.0"),
                    () -> message.get() + "\nmetrics while down:\n" + metricsWhileDown);
            assertTrue(afterDetection.size() > 50, message);
            assertTrue(percentile(afterDetection, 0.99) < TimeUnit.MILLISECONDS.toNanos(100),
                    () -> message.get() + "\np99 after detection " + millis(percentile(afterDetection, 0.99)));
            assertEquals("MISS", newOnOne.header("X-Loopback-Cache"), message);
            assertEquals("HIT", newOnTwo.header("X-Loopback-Cache"), message);
            assertEquals("HIT", newOnThree.header("X-Loopback-Cache"), message);
            assertEquals(callsBeforeNewKey + 1, upstream.callCount(), message);
            // One line per state change and node, never one per request (thousands went by): each node
            // left once, and came back once (twice only if the restarted server stalled it once more).
            int left = logs.linesContaining("cluster tier unreachable").size();
            int back = logs.linesContaining("cluster tier connected again").size();
            assertTrue(left >= NODES && left <= 2 * NODES && back == left, message);

            System.out.printf("ClusterIT outage timeline: load from 0 ms; Terracotta killed at %d ms; all %d nodes"
                            + " DEGRADED (cluster_unreachable) at %d ms (+%d ms); restarted at %d ms; all UP and sharing"
                            + " at %d ms (+%d ms after restart)%n",
                    millis(killedAt - loadStart), NODES, millis(detectedAt - loadStart), millis(detectedAt - killedAt),
                    millis(restartAt - loadStart), millis(sharedAgainAt - loadStart), millis(sharedAgainAt - restartAt));
            System.out.printf("ClusterIT outage load: %d requests, %d failed; p50/p99 before kill %.2f/%.2f ms,"
                            + " during outage after detection %.2f/%.2f ms (%d requests); upstream calls: %d warm,"
                            + " %d by the end of the outage (+%d for %d keys x %d nodes), +%d for a new key after"
                            + " the restart%n",
                    all.size(), failed.size(), millisF(percentile(beforeKill, 0.5)), millisF(percentile(beforeKill, 0.99)),
                    millisF(percentile(afterDetection, 0.5)), millisF(percentile(afterDetection, 0.99)),
                    afterDetection.size(), keys.size(), callsInOutage, callsInOutage - keys.size(), keys.size(), NODES,
                    upstream.callCount() - callsBeforeNewKey);
        }
    }

    @Test
    void nodesStartedWhileTheServerIsDownServeFromTheirHeapAndJoinWhenItStarts() throws Exception {
        upstream.otherwise(Answer.ok());
        terracotta.kill();
        List<LoopbackServer> nodes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            nodes.add(node(true));
        }
        JsonNode degraded = health(nodes.get(0));
        Http.Answer onOne = post(nodes.get(0), "down-at-start");
        Http.Answer onTwo = post(nodes.get(1), "down-at-start");
        Http.Answer againOnTwo = post(nodes.get(1), "down-at-start");
        int callsWhileDown = upstream.callCount();

        terracotta.restart();
        long restartedAt = System.nanoTime();
        awaitTrue(() -> nodes.stream().allMatch(n -> "UP".equals(health(n).path("status").asText())),
                Duration.ofSeconds(60), "both nodes UP after the server started");
        long joinedMillis = millis(System.nanoTime() - restartedAt);
        Http.Answer newOnOne = post(nodes.get(0), "after-start");
        Http.Answer newOnTwo = post(nodes.get(1), "after-start");
        Supplier<String> message = () -> "health while down " + degraded + "\nwhile down: " + onOne + "\n" + onTwo
                + "\n" + againOnTwo + "\nafter start: " + newOnOne + "\n" + newOnTwo + "\nupstream " + upstream.calls();

        assertEquals("DEGRADED", degraded.path("status").asText(), message);
        assertTrue(degraded.path("reasons").toString().contains("cluster_unreachable"), message);
        assertEquals(List.of(200, 200, 200), List.of(onOne.status(), onTwo.status(), againOnTwo.status()), message);
        assertEquals("MISS", onTwo.header("X-Loopback-Cache"), message);
        assertEquals("HIT", againOnTwo.header("X-Loopback-Cache"), message);
        assertEquals(2, callsWhileDown, message);
        assertEquals("MISS", newOnOne.header("X-Loopback-Cache"), message);
        assertEquals("HIT", newOnTwo.header("X-Loopback-Cache"), message);
        assertEquals(callsWhileDown + 1, upstream.callCount(), message);
        System.out.printf("ClusterIT server down at start: 2 nodes started DEGRADED, 1 upstream call each; joined"
                + " %d ms after the server started, then 1 call for a new key%n", joinedMillis);
    }

    @Test
    void aClusteredHitCostsWhatALocalHitCosts() {
        upstream.otherwise(Answer.ok());
        LoopbackServer clustered = node(true);
        LoopbackServer local = node(false);
        post(clustered, "hit");
        post(local, "hit");
        List<Long> clusteredNanos = new ArrayList<>();
        List<Long> localNanos = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 500; i++) {
                clusteredNanos.add(timedHit(clustered));
                localNanos.add(timedHit(local));
            }
        }
        clusteredNanos.sort(null);
        localNanos.sort(null);
        System.out.printf("ClusterIT hit latency (sequential, same JVM client, %d each): clustered p50/p99 %.3f/%.3f ms,"
                        + " local %.3f/%.3f ms%n", clusteredNanos.size(),
                millisF(percentile(clusteredNanos, 0.5)), millisF(percentile(clusteredNanos, 0.99)),
                millisF(percentile(localNanos, 0.5)), millisF(percentile(localNanos, 0.99)));
        assertEquals(2, upstream.callCount(), () -> "upstream " + upstream.calls());
    }

    /**
     * README's three rotation steps, each written to every node's own key file while six threads
     * keep asking all three nodes for four keys: the nodes pick each step up on their schedule
     * ({@code cluster-retry-interval}), no request fails, and the new sealing key (which names
     * entries anew) costs at most one upstream call per key per node.
     */
    @Test
    void rotatingTheClusterKeyUnderLoadFailsNoRequest() throws Exception {
        upstream.otherwise(Answer.ok());
        String oldKey = ClusterKeyFiles.newKey();
        String newKey = ClusterKeyFiles.newKey();
        List<java.nio.file.Path> files = new ArrayList<>();
        List<LoopbackServer> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            java.nio.file.Path file = ClusterKeyFiles.write(terracotta.directory().resolve("node-" + i + ".keys"),
                    "k1 " + oldKey + " seal\n");
            files.add(file);
            nodes.add(node(true, "cluster-key-file", file.toString()));
        }
        List<String> keys = List.of("r1", "r2", "r3", "r4");
        for (String key : keys) {
            for (LoopbackServer node : nodes) {
                assertEquals(200, post(node, key).status());
            }
        }
        int warm = upstream.callCount();
        assertEquals(keys.size(), warm, () -> "warm-up " + upstream.calls());

        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                int i = thread;
                while (running.get()) {
                    long start = System.nanoTime();
                    Http.Answer answer = post(nodes.get(i % NODES), keys.get(i / NODES % keys.size()));
                    samples.add(new Sample(start, System.nanoTime() - start, answer.status(),
                            answer.header("X-Loopback-Cache")));
                    i++;
                }
            });
            worker.start();
            load.add(worker);
        }
        List<String> steps = List.of(
                "k1 " + oldKey + " seal\nk2 " + newKey + " open\n",
                "k1 " + oldKey + " open\nk2 " + newKey + " seal\n",
                "k2 " + newKey + " seal\n");
        List<String> expected = List.of("sealing with key k1, opening k1, k2", "sealing with key k2, opening k1, k2",
                "sealing with key k2, opening k2");
        List<Integer> callsAfterStep = new ArrayList<>();
        try {
            awaitTrue(() -> samples.size() > 300, Duration.ofSeconds(30), "load running");
            for (int step = 0; step < steps.size(); step++) {
                for (java.nio.file.Path file : files) {
                    ClusterKeyFiles.write(file, steps.get(step));
                }
                String want = expected.get(step);
                awaitTrue(() -> nodes.stream().allMatch(n -> tierDetail(n).endsWith(want)), Duration.ofSeconds(30),
                        "every node at rotation step " + (step + 1) + " (" + want + ")");
                int before = samples.size();
                awaitTrue(() -> samples.size() > before + 300, Duration.ofSeconds(30), "load after step " + (step + 1));
                callsAfterStep.add(upstream.callCount());
            }
        } finally {
            running.set(false);
            for (Thread worker : load) {
                worker.join(TIMEOUT.toMillis());
            }
        }
        List<Sample> all = new ArrayList<>(samples);
        List<Sample> failed = all.stream().filter(sample -> sample.status != 200).toList();
        int extra = upstream.callCount() - warm;
        String refused = nodes.stream().map(n -> http.get(n.url("/admin/metrics")).body().lines()
                .filter(l -> l.startsWith("loopback_cluster_unopenable_total") && !l.endsWith(" 0.0"))
                .collect(Collectors.joining(","))).collect(Collectors.joining(" | "));
        Supplier<String> message = () -> "failed " + failed.size() + " " + failed.stream().limit(5).toList()
                + "\nupstream calls: warm " + warm + ", after each step " + callsAfterStep + "; states "
                + all.stream().collect(Collectors.groupingBy(sample -> String.valueOf(sample.cache), TreeMap::new,
                Collectors.counting())) + "\nrefused " + refused;

        assertTrue(failed.isEmpty(), message);
        assertTrue(extra <= keys.size() * NODES, message);
        assertEquals(callsAfterStep.get(0), warm, () -> "adding an open-only key changes nothing; " + message.get());
        assertEquals(callsAfterStep.get(2), callsAfterStep.get(1), () -> "removing the old key changes nothing; "
                + message.get());
        assertTrue(refused.replace(" | ", "").isEmpty(), message);
        System.out.printf("ClusterIT key rotation under load: %d requests over %d nodes, 0 failed; upstream calls"
                        + " %d warm, +%d over the three steps (bound: %d keys x %d nodes = %d); after each step %s%n",
                all.size(), NODES, warm, extra, keys.size(), NODES, keys.size() * NODES, callsAfterStep);
    }

    private String tierDetail(LoopbackServer node) {
        return health(node).path("profiles").path("default").path("checks").path("cache-tier").path("detail").asText();
    }

    @Test
    void theLauncherWithClusterUriSharesItsCacheWithADeployedNode() throws Exception {
        upstream.otherwise(Answer.ok());
        LoopbackServer node = node(true);
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        // Every node of a cluster needs the same cache configuration (the server refuses a different
        // one); the launcher's other settings come from system properties, as README says.
        System.setProperty("loopback.cluster-pool-size", "8MiB");
        System.setProperty("loopback.cluster-key-file", keyFile.toString());
        try (dev.authloopback.launcher.LoopbackLauncher launcher = dev.authloopback.launcher.LoopbackLauncher.start(
                dev.authloopback.launcher.LauncherOptions.of(0, upstream.tokenUrl())
                        .withClusterUri(terracotta.uri("auth-loopback")),
                new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8))) {
            Http.Answer viaLauncher = http.post(launcher.loopbackUrl(), FORM, body("launcher"));
            Http.Answer viaNode = post(node, "launcher");
            Supplier<String> message = () -> "launcher " + viaLauncher + "\nnode " + viaNode + "\nprinted " + printed
                    + "\nupstream " + upstream.calls();
            assertEquals("MISS", viaLauncher.header("X-Loopback-Cache"), message);
            assertEquals("HIT", viaNode.header("X-Loopback-Cache"), message);
            assertEquals(accessToken(viaLauncher), accessToken(viaNode), message);
            assertEquals(1, upstream.callCount(), message);
        } finally {
            System.clearProperty("loopback.cluster-pool-size");
            System.clearProperty("loopback.cluster-key-file");
        }
    }

    private long timedHit(LoopbackServer node) {
        long start = System.nanoTime();
        Http.Answer answer = post(node, "hit");
        long nanos = System.nanoTime() - start;
        assertEquals("HIT", answer.header("X-Loopback-Cache"), answer::toString);
        return nanos;
    }

    private record Sample(long startNanos, long nanos, int status, String cache) {
        @Override
        public String toString() {
            return status + " " + cache + " " + millisF(nanos) + " ms";
        }
    }

    private Http.Answer post(LoopbackServer node, String scope) {
        return http.post(node.tokenUrl(), FORM, body(scope));
    }

    private JsonNode health(LoopbackServer node) {
        Http.Answer answer = http.get(node.url("/admin/health"));
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new UncheckedIOException(answer.toString(), e);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + timeout + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static double millisF(long nanos) {
        return nanos / 1_000_000.0;
    }

    private static Map<String, Long> cacheStates(List<Http.Answer> answers) {
        return answers.stream().collect(Collectors.groupingBy(
                a -> String.valueOf(a.header("X-Loopback-Cache")), TreeMap::new, Collectors.counting()));
    }

    private static String accessToken(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("access_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(answer.toString(), e);
        }
    }
}
