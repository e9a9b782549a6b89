package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.PrometheusText;
import dev.authloopback.testsupport.http.Jetty;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * Issue 20's hostile local user, replayed: a loopback JVM of its own with a 128 MB heap (the
 * launcher jar, default memory settings), a token endpoint answering 30 KB tokens and, for one
 * request in ten, 500 KB ones, and callers asking for a new scope on every request at full speed
 * for 60 seconds. Before the byte budget such a loopback stored ~3,700 entries and died of
 * {@code OutOfMemoryError} within 10 s. Now: no {@code OutOfMemoryError}, {@code /admin/health/live}
 * answers 200 at every poll, the bytes held stay within {@code max-cache-bytes} at every scrape
 * (entries are evicted by weight to make room), and every answer is a token or a 503 {@code busy}.
 */
class BoundedMemoryIT {
    private static final Path WORK = Path.of("target/bounded-memory");
    private static final Duration LOAD = Duration.ofSeconds(60);
    private static final int CALLERS = 16;
    private static final long CACHE_BUDGET = 16L << 20; // the default max-cache-bytes
    private static final long IN_FLIGHT_BUDGET = 16L << 20; // the default max-bytes-in-flight
    private static final byte[] SMALL = answer(30 * 1024);
    private static final byte[] LARGE = answer(500 * 1024);

    @Test
    void distinctKeysWithLargeTokensAtFullSpeedStayWithinTheBudgetAndTheLoopbackStaysLive() throws Exception {
        Files.createDirectories(WORK);
        Server tokens = tokenEndpoint();
        Process loopback = null;
        try {
            tokens.start();
            int port = freePort();
            URI base = URI.create("http://127.0.0.1:" + port + "/loopback");
            Path log = WORK.resolve("loopback.log");
            loopback = new ProcessBuilder(javaCommand(port, "http://127.0.0.1:" + Jetty.port(tokens) + "/token"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            awaitLive(http, base, loopback, log);

            Load load = new Load(http, base);
            Polls polls = new Polls(http, base);
            polls.start();
            load.run();
            polls.stop();

            assertTrue(loopback.isAlive(), () -> "the loopback JVM died; its log:\n" + tail(log));
            String output = Files.readString(log);
            String summary = "answers " + counts(load.statuses) + ", " + polls.liveOk + " live polls ok, "
                    + polls.scrapes + " scrapes, highest cache bytes " + polls.highestCacheBytes + ", highest in flight "
                    + polls.highestInFlight + ", first odd answer: " + load.oddAnswer.get();
            assertFalse(output.contains("OutOfMemoryError"), () -> summary + "\nOutOfMemoryError in the log:\n"
                    + tail(log));
            assertTrue(polls.liveFailures.isEmpty(), () -> "/admin/health/live did not answer 200 at every poll: "
                    + polls.liveFailures + "; " + summary);
            assertTrue(polls.liveOk.sum() >= LOAD.toSeconds(), () -> "the live probe was polled throughout; " + summary);
            assertTrue(polls.scrapes.sum() >= LOAD.toSeconds() / 4, () -> "metrics were scraped throughout; " + summary);
            assertTrue(polls.highestCacheBytes.get() <= CACHE_BUDGET, summary);
            assertTrue(polls.highestInFlight.get() <= IN_FLIGHT_BUDGET, summary);
            assertEquals(List.of(), load.failures, summary);
            assertTrue(load.statuses.keySet().stream().allMatch(s -> s == 200 || s == 503), summary);
            assertTrue(load.statuses.getOrDefault(200, new LongAdder()).sum() > 1000,
                    () -> "the callers got tokens at speed; " + summary);

            System.out.println("BoundedMemoryIT: " + summary);
            PrometheusText.Scrape metrics = PrometheusText.parse(get(http, base.resolve("/loopback/admin/metrics")).body());
            double held = metrics.value("loopback_cache_bytes", "profile", "default");
            double stores = metrics.value("loopback_stores_total", "profile", "default");
            double evicted = metrics.value("loopback_cache_weight_evictions_total", "profile", "default");
            assertEquals((double) CACHE_BUDGET, metrics.value("loopback_cache_budget_bytes"), summary);
            assertTrue(held > 0 && held <= CACHE_BUDGET, () -> "held " + held + "; " + summary);
            // 30 KB entries: ~530 fit in 16 MiB; far more were stored, so most were evicted by weight.
            assertTrue(stores > 2000 && evicted > stores / 2, () -> "stores " + stores + ", evicted by weight "
                    + evicted + "; " + summary);
        } finally {
            if (loopback != null) {
                loopback.destroy();
                if (!loopback.waitFor(10, TimeUnit.SECONDS)) {
                    loopback.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            Jetty.stop(tokens);
        }
    }

    /**
     * The launcher at -Xmx128m with the default memory settings; only max-response-bytes (its 64 KiB
     * default would refuse the 500 KB answers) and max-token-length (8 KiB by default) are raised, so
     * that 30 KB and 500 KB tokens are cached.
     */
    private static List<String> javaCommand(int port, String upstream) {
        Path jar = Path.of(System.getProperty("it.launcher.jar", "../launcher/target/loopback-launcher.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the launcher first (mvn -pl it-tests -am verify)");
        }
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-Xms128m",
                "-Dloopback.max-response-bytes=1MiB", "-Dloopback.max-token-length=1MiB",
                "-jar", jar.toAbsolutePath().toString(),
                "--port", String.valueOf(port), "--upstream-url", upstream);
    }

    /** Callers asking for a new scope each time; one request in ten gets a 500 KB token. */
    private static final class Load {
        final HttpClient http;
        final URI base;
        final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicReference<String> oddAnswer = new AtomicReference<>();
        final AtomicLong counter = new AtomicLong();

        Load(HttpClient http, URI base) {
            this.http = http;
            this.base = base;
        }

        void run() throws InterruptedException {
            long end = System.nanoTime() + LOAD.toNanos();
            CountDownLatch done = new CountDownLatch(CALLERS);
            for (int i = 0; i < CALLERS; i++) {
                Thread caller = new Thread(() -> {
                    try {
                        while (System.nanoTime() < end) {
                            call(counter.incrementAndGet());
                        }
                    } finally {
                        done.countDown();
                    }
                }, "bounded-memory-caller-" + i);
                caller.setDaemon(true);
                caller.start();
            }
            assertTrue(done.await(LOAD.toSeconds() + 30, TimeUnit.SECONDS), "the callers stopped");
        }

        private void call(long n) {
            String scope = (n % 10 == 0 ? "large-" : "small-") + n;
            HttpRequest request = HttpRequest.newBuilder(base).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=" + scope)).build();
            try {
                HttpResponse<byte[]> answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                statuses.computeIfAbsent(answer.statusCode(), s -> new LongAdder()).increment();
                boolean good = answer.statusCode() == 200
                        && answer.body().length == (scope.startsWith("large") ? LARGE.length : SMALL.length)
                        || answer.statusCode() == 503
                        && new String(answer.body(), StandardCharsets.UTF_8).contains("urn:authloopback:problem:busy")
                        && answer.headers().firstValue("Retry-After").isPresent();
                if (!good) {
                    oddAnswer.compareAndSet(null, answer.statusCode() + " " + answer.headers().map() + " "
                            + new String(answer.body(), 0, Math.min(300, answer.body().length), StandardCharsets.UTF_8));
                    failures.add(scope + ": " + answer.statusCode());
                }
            } catch (IOException e) {
                failures.add(scope + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The live probe every 250 ms and a metrics scrape every second, on threads of their own. */
    private static final class Polls {
        final HttpClient http;
        final URI base;
        final List<String> liveFailures = new CopyOnWriteArrayList<>();
        final LongAdder liveOk = new LongAdder();
        final LongAdder scrapes = new LongAdder();
        final AtomicLong highestCacheBytes = new AtomicLong();
        final AtomicLong highestInFlight = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean running = true;

        Polls(HttpClient http, URI base) {
            this.http = http;
            this.base = base;
        }

        void start() {
            threads.add(poll("live", 250, () -> {
                HttpResponse<String> live = get(http, base.resolve("/loopback/admin/health/live"));
                if (live.statusCode() == 200) {
                    liveOk.increment();
                } else {
                    liveFailures.add("HTTP " + live.statusCode());
                }
            }));
            threads.add(poll("metrics", 1000, () -> {
                HttpResponse<String> scrape = get(http, base.resolve("/loopback/admin/metrics"));
                if (scrape.statusCode() == 200) {
                    PrometheusText.Scrape metrics = PrometheusText.parse(scrape.body());
                    highestCacheBytes.accumulateAndGet((long) metrics.value("loopback_cache_bytes", "profile", "default"),
                            Math::max);
                    highestInFlight.accumulateAndGet((long) metrics.value("loopback_in_flight_bytes"), Math::max);
                    scrapes.increment();
                }
            }));
        }

        private Thread poll(String name, long everyMillis, Probe probe) {
            Thread thread = new Thread(() -> {
                while (running) {
                    try {
                        probe.run();
                    } catch (IOException e) {
                        if ("live".equals(name)) {
                            liveFailures.add(e.toString());
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        // The interval between polls, not a wait for an outcome.
                        Thread.sleep(everyMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bounded-memory-" + name);
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        void stop() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
        }
    }

    private interface Probe {
        void run() throws IOException, InterruptedException;
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitLive(HttpClient http, URI base, Process loopback, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!loopback.isAlive()) {
                throw new AssertionError("the loopback JVM ended at start-up:\n" + tail(log));
            }
            try {
                if (get(http, base.resolve("/loopback/admin/health/live")).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the loopback did not come up within 60 s:\n" + tail(log));
    }

    /** The token endpoint: a 30 KB token, or 500 KB for a scope starting with "large". */
    private static Server tokenEndpoint() {
        Server server = Jetty.server("bounded-memory-tokens", 200);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String form = Content.Source.asString(request, StandardCharsets.UTF_8);
                byte[] body = form.contains("scope=large") ? LARGE : SMALL;
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
                return true;
            }
        });
        return server;
    }

    private static byte[] answer(int tokenLength) {
        return ("{\"access_token\":\"" + "t".repeat(tokenLength) + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static Map<Integer, Long> counts(Map<Integer, LongAdder> statuses) {
        Map<Integer, Long> counts = new TreeMap<>();
        statuses.forEach((status, n) -> counts.put(status, n.sum()));
        return counts;
    }
}
