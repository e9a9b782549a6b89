package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SlowCallers;
import dev.authloopback.launcher.LauncherOptions;
import dev.authloopback.launcher.LoopbackLauncher;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RawHttp;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Issue 10, as an attacker on the same host and a misbehaving upstream would try it: each numbered
 * defect of the issue is reproduced over real sockets against the real loopback.war on embedded
 * Jetty (and the real launcher for its demo endpoint and connector), and shown fixed.
 */
class HostileInputIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String JSON_TYPE = "application/json";
    private static final String BASIC = "Basic aG9zdGlsZTpob3N0aWxlLXNlY3JldA==";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();

    /**
     * Defect 1: 250 local connections that declare a 60000-byte body and trickle it (one byte per
     * caller per second) hold no threads: normal token requests are answered in under 2 s while they
     * are open, on a pool of Jetty's default 200 threads, and each slow caller is cut off with 408
     * at request-body-timeout and counted.
     */
    @Test
    void twoHundredFiftySlowBodiesHoldNoThreadAndNormalCallersAreAnsweredWithinTwoSeconds() throws Exception {
        Duration bodyTimeout = Duration.ofSeconds(4);
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("request-body-timeout", bodyTimeout.toSeconds() + "s")
                     .maxThreads(200)
                     .start()) {
            long opened = System.nanoTime();
            List<RawHttp.Answer> slowAnswers;
            List<Duration> normal = new ArrayList<>();
            List<Http.Answer> normalAnswers = new ArrayList<>();
            int busyWhileSlow;
            int openWhileSlow;
            // Trickling stops before the deadline, so the 408s are not raced by our own writes.
            try (SlowCallers slow = SlowCallers.open(loopback.tokenUrl(), 250, 60_000, Duration.ofSeconds(1),
                    bodyTimeout.minusMillis(1500))) {
                awaitOpenConnections(loopback, 250, Duration.ofSeconds(10));
                openWhileSlow = loopback.openConnections();
                busyWhileSlow = loopback.busyThreads();
                for (int i = 0; i < 10; i++) {
                    long start = System.nanoTime();
                    normalAnswers.add(http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials&scope=normal",
                            "Authorization", BASIC));
                    normal.add(Duration.ofNanos(System.nanoTime() - start));
                }
                slowAnswers = slow.answers(bodyTimeout.plusSeconds(10));
                System.out.printf("HostileInputIT slow bodies: %d connections open, %d busy threads (pool 200),"
                                + " normal requests %s ms, last 408 after %d ms%n", openWhileSlow, busyWhileSlow,
                        normal.stream().map(Duration::toMillis).toList(), slow.lastAnswerAfter().toMillis());
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - opened);
            String metrics = http.get(loopback.url("/admin/metrics")).body();
            Supplier<String> message = () -> "normal: " + normalAnswers + " in " + normal + "\nslow (first 3): "
                    + slowAnswers.subList(0, 3) + "\nbusy threads " + busyWhileSlow + ", open " + openWhileSlow
                    + "\nmetrics:\n" + metrics;

            List<Executable> checks = new ArrayList<>();
            checks.add(() -> assertTrue(openWhileSlow >= 250, message));
            checks.add(() -> assertTrue(busyWhileSlow < 50, () -> "slow bodies pin threads: " + message.get()));
            for (int i = 0; i < normal.size(); i++) {
                int n = i;
                checks.add(() -> assertEquals(200, normalAnswers.get(n).status(), message));
                checks.add(() -> assertTrue(normal.get(n).compareTo(Duration.ofSeconds(2)) < 0,
                        () -> "normal request " + n + " took " + normal.get(n).toMillis() + " ms: " + message.get()));
            }
            checks.add(() -> assertEquals("HIT", normalAnswers.get(9).header("X-Loopback-Cache"), message));
            long answered408 = slowAnswers.stream().filter(Objects::nonNull).filter(a -> a.status() == 408)
                    .filter(a -> String.valueOf(a.header("Content-Type")).startsWith("application/problem+json"))
                    .count();
            checks.add(() -> assertEquals(250, answered408, () -> "408 problem answers: " + message.get()));
            checks.add(() -> assertTrue(elapsed.compareTo(bodyTimeout.plusSeconds(10)) < 0, message));
            checks.add(() -> assertTrue(metrics.contains("loopback_request_body_timeouts_total{profile=\"default\"} 250"),
                    message));
            checks.add(() -> assertEquals(1, upstream.callCount(), message));
            assertAll(checks);
        }
    }

    /**
     * Defect 2: an upstream that sends headers and then one byte every 300 ms (each gap far below
     * read-timeout) and one whose chunked body never ends are cut off at connect-timeout +
     * read-timeout: the caller and every caller coalesced on the same key get 504 within that budget
     * (plus the waiters' 1 s of slack), and nothing is stored.
     */
    @Test
    void tricklingAndEndlessUpstreamBodiesEndAtConnectPlusReadTimeoutForEveryCaller() throws Exception {
        Duration budget = Duration.ofSeconds(2); // connect-timeout 1s + read-timeout 1s
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("connect-timeout", "1s").setting("read-timeout", "1s").start()) {
            for (Answer fault : List.of(Answer.trickle(Duration.ofMillis(300), Duration.ofSeconds(30)),
                    Answer.endlessChunked(Duration.ofMillis(300), Duration.ofSeconds(30)))) {
                upstream.reset();
                upstream.script(fault);
                String body = "grant_type=client_credentials&scope=" + (fault.name().contains("chunked") ? "chunked" : "trickle");
                List<Timed> herd = concurrently(6, () -> http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC));
                Http.Answer next = http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC);
                Supplier<String> message = () -> fault.name() + ": " + herd + "\nnext: " + next + "\nupstream: "
                        + upstream.calls();
                System.out.printf("HostileInputIT %s: %s; next %d %s%n", fault.name(),
                        herd.stream().map(t -> t.answer.status() + " in " + t.took.toMillis() + " ms").toList(),
                        next.status(), next.header("X-Loopback-Cache"));
                for (Timed t : herd) {
                    assertEquals(504, t.answer.status(), message);
                    assertTrue(t.answer.header("Content-Type").startsWith("application/problem+json"), message);
                    assertTrue(t.took.compareTo(budget.plusSeconds(3)) < 0,
                            () -> "took " + t.took.toMillis() + " ms: " + message.get());
                }
                assertEquals(200, next.status(), message);
                assertEquals("MISS", next.header("X-Loopback-Cache"), message);
                assertEquals(2, upstream.callCount(), () -> "one call for the whole herd, one for next: " + message.get());
            }
        }
    }

    /**
     * Defect 3: {@code expires_in} of 1e18, 9223372036854775807, 1e309 or "99999999999999999999"
     * is capped: the token is cached for {@code ttl} (MISS, then HIT). Negative, zero and non-numeric
     * values pass the answer back unstored. Nothing in the answer can cause a 500.
     */
    @Test
    void absurdExpiresInIsCachedForTtlAndInvalidOnesAreNotStoredNeverA500() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            List<Executable> checks = new ArrayList<>();
            int row = 0;
            for (String absurd : List.of("1e18", "9223372036854775807", "1e309", "\"99999999999999999999\"")) {
                String body = "grant_type=client_credentials&scope=absurd-" + row++;
                upstream.script(Answer.expiresIn(absurd));
                Http.Answer first = http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC);
                Http.Answer second = http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC);
                Supplier<String> message = () -> "expires_in " + absurd + "\nfirst: " + first + "\nsecond: " + second;
                checks.add(() -> assertEquals(200, first.status(), message));
                checks.add(() -> assertEquals("MISS", first.header("X-Loopback-Cache"), message));
                checks.add(() -> assertEquals("HIT", second.header("X-Loopback-Cache"), message));
                checks.add(() -> assertEquals(token(first), token(second), message));
            }
            for (String invalid : List.of("-5", "0", "\"soon\"", "true", "{}")) {
                String body = "grant_type=client_credentials&scope=invalid-" + row++;
                upstream.script(Answer.expiresIn(invalid));
                Http.Answer first = http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC);
                Http.Answer second = http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC);
                Supplier<String> message = () -> "expires_in " + invalid + "\nfirst: " + first + "\nsecond: " + second;
                checks.add(() -> assertEquals(200, first.status(), message));
                checks.add(() -> assertTrue(first.body().contains("\"expires_in\":" + invalid), message));
                checks.add(() -> assertEquals("MISS", second.header("X-Loopback-Cache"), () -> "stored: " + message.get()));
            }
            assertAll(checks);
        }
    }

    /** Defect 4: Content-Length 500 and a close after {@code {"access_token":"x"} is a 502, never a 200, never stored. */
    @Test
    void cutOffUpstreamAnswerIs502AndNotStored() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            upstream.script(Answer.cutOff());
            Http.Answer cut = http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials", "Authorization", BASIC);
            Http.Answer next = http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials", "Authorization", BASIC);
            Supplier<String> message = () -> "cut off: " + cut + "\nnext: " + next;
            assertEquals(502, cut.status(), message);
            assertTrue(cut.header("Content-Type").startsWith("application/problem+json"), message);
            assertFalse(cut.body().contains("tok-"), message);
            assertEquals(200, next.status(), message);
            assertEquals("MISS", next.header("X-Loopback-Cache"), message);
        }
    }

    /**
     * Defect 5: with the same credentials, two different requests never share an entry. Each pair
     * collided under the old normalisation (the second got a HIT with the first one's token); now
     * the second is a MISS with a token of its own, and repeating it is a HIT.
     */
    @Test
    void differentRequestsWithTheSameCredentialsNeverShareAnEntry() {
        List<String[]> pairs = List.of(
                new String[] {FORM, "n=X&scope=%E9", "n=X&scope=%FF"},
                new String[] {FORM, "a=b%01c%00d", "a=b&c=d"},
                new String[] {FORM, "scope=a%26b%3Dc", "scope=a&b=c"},
                new String[] {FORM, "scope=%zz", "scope=%25zz"},
                new String[] {FORM, "scope=a&scope=b", "scope=b&scope=a"},
                new String[] {JSON_TYPE, "{\"scope\":\"admin\",\"scope\":\"read\"}", "{\"scope\":\"read\"}"},
                new String[] {JSON_TYPE, "{\"scope\":\"write\"} {\"scope\":\"admin\"}", "{\"scope\":\"write\"}"},
                new String[] {JSON_TYPE, "{\"n\":1.00000000000000000001}", "{\"n\":1.0}"},
                new String[] {JSON_TYPE, "{\"n\":12345678901234567890.5}", "{\"n\":12345678901234567891.5}"});
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            List<Executable> checks = new ArrayList<>();
            for (String[] pair : pairs) {
                Http.Answer first = http.post(loopback.tokenUrl(), pair[0], pair[1], "Authorization", BASIC);
                Http.Answer second = http.post(loopback.tokenUrl(), pair[0], pair[2], "Authorization", BASIC);
                Http.Answer again = http.post(loopback.tokenUrl(), pair[0], pair[2], "Authorization", BASIC);
                Supplier<String> message = () -> pair[1] + " then " + pair[2] + "\nfirst: " + first + "\nsecond: "
                        + second + "\nagain: " + again;
                checks.add(() -> assertEquals("MISS", first.header("X-Loopback-Cache"), message));
                checks.add(() -> assertEquals("MISS", second.header("X-Loopback-Cache"), message));
                checks.add(() -> assertNotEquals(token(first), token(second), message));
                checks.add(() -> assertEquals("HIT", again.header("X-Loopback-Cache"), message));
                checks.add(() -> assertEquals(token(second), token(again), message));
            }
            assertAll(checks);
        }
    }

    /** Defect 6: status 99 (was a 500), 600 and 999 (were passed through) are 502 problems, never stored. */
    @Test
    void upstreamStatusOutsideTheHttpRangeIs502() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            List<Executable> checks = new ArrayList<>();
            for (int status : new int[] {99, 600, 999}) {
                upstream.script(Answer.rawStatus(status));
                String body = "grant_type=client_credentials&scope=status-" + status;
                Http.Answer odd = http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC);
                Http.Answer next = http.post(loopback.tokenUrl(), FORM, body, "Authorization", BASIC);
                Supplier<String> message = () -> "status " + status + ": " + odd + "\nnext: " + next;
                checks.add(() -> assertEquals(502, odd.status(), message));
                checks.add(() -> assertTrue(odd.header("Content-Type").startsWith("application/problem+json"), message));
                checks.add(() -> assertEquals("MISS", next.header("X-Loopback-Cache"), message));
            }
            assertAll(checks);
        }
    }

    /**
     * Defect 7 and the launcher's connector: the demo token endpoint answers {@code scope=%zz} and a
     * body with invalid UTF-8 (sent in two TCP writes) with 400 {@code invalid_request}, quoting
     * nothing of the request and holding no thread; the launcher's loopback connector sends no
     * {@code Server} header, and what Jetty refuses before the web app (ambiguous URIs, a broken
     * Content-Length, headers too large) is problem JSON, not an HTML page.
     */
    @Test
    void launcherDemoEndpointAnswersBadInputWith400AndTheLoopbackSendsNoServerHeader() throws Exception {
        try (LoopbackLauncher launcher = LoopbackLauncher.start(LauncherOptions.of(0, null),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            URI demo = launcher.upstreamUrl();
            Http.Answer badEscape = http.post(demo, FORM, "grant_type=client_credentials&scope=%zz");
            byte[] start = "grant_type=client_credentials&scope=caf".getBytes(StandardCharsets.US_ASCII);
            RawHttp.Answer badUtf8 = twoWrites(demo, start, new byte[] {(byte) 0xC3, (byte) 0x28});
            Http.Answer good = http.post(launcher.loopbackUrl(), FORM, "grant_type=client_credentials&scope=demo");
            Http.Answer options = http.send(HttpRequest.newBuilder(launcher.loopbackUrl())
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            Supplier<String> message = () -> "%zz: " + badEscape + "\ninvalid UTF-8: " + badUtf8 + "\nloopback: " + good
                    + "\nOPTIONS: " + options;

            assertEquals(400, badEscape.status(), message);
            assertEquals("invalid_request", JSON.readTree(badEscape.body()).path("error").asText(), message);
            assertFalse(badEscape.body().contains("%zz") || badEscape.body().contains("scope="), message);
            assertNotNull(badUtf8, "no answer to the invalid UTF-8 body: the handler is stuck");
            assertEquals(400, badUtf8.status(), message);
            assertEquals(200, good.status(), message);
            assertNull(good.header("Server"), message);
            assertNull(options.header("Server"), message);

            List<Executable> checks = new ArrayList<>();
            for (String head : List.of("GET /loopback/a%2Fb HTTP/1.1\r\n", "GET /loopback/%2e%2e/x HTTP/1.1\r\n",
                    "GET /loopback/%zz HTTP/1.1\r\n", "POST /loopback HTTP/1.1\r\nContent-Length: abc\r\n",
                    "GET /loopback HTTP/1.1\r\nX-Big: " + "a".repeat(20_000) + "\r\n")) {
                RawHttp.Answer rejected = rawRequest(launcher.loopbackUrl(), head);
                String shown = head.substring(0, Math.min(60, head.length()));
                checks.add(() -> assertTrue(rejected.status() == 400 || rejected.status() == 431, () -> shown + ": " + rejected));
                checks.add(() -> assertTrue(String.valueOf(rejected.header("Content-Type")).startsWith("application/problem+json"),
                        () -> shown + ": " + rejected));
                checks.add(() -> assertEquals(rejected.status(), JSON.readTree(rejected.body()).path("status").asInt(),
                        () -> shown + ": " + rejected));
                checks.add(() -> assertTrue(JSON.readTree(rejected.body()).path("type").asText()
                        .startsWith("urn:authloopback:problem:"), () -> shown + ": " + rejected));
                checks.add(() -> assertNull(rejected.header("Server"), () -> shown + ": " + rejected));
            }
            assertAll(checks);
        }
    }

    /**
     * Also seen: OPTIONS (and any method) from a peer outside the allow-list is refused like a token
     * call; Jetty's own errors on the context are problem JSON; an upstream token answer with a
     * garbage Content-Type is cached and served, not turned into a 502.
     */
    @Test
    void allowListCoversEveryMethodContainerErrorsAreProblemJsonAndAGarbageContentTypeStillCaches()
            throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("allow-from", "127.0.0.1/32").setting("admin-allow-from", "127.0.0.1/32").start()) {
            List<Executable> checks = new ArrayList<>();
            for (String method : List.of("OPTIONS", "HEAD", "GET", "TRACE", "BREW")) {
                RawHttp.Answer refused = RawHttp.send("127.0.0.2", method, loopback.tokenUrl(), null, new byte[0], Map.of());
                checks.add(() -> assertEquals(403, refused.status(), () -> method + " from 127.0.0.2: " + refused));
            }
            RawHttp.Answer adminOptions = RawHttp.send("127.0.0.2", "OPTIONS", loopback.url("/admin/metrics"), null,
                    new byte[0], Map.of());
            checks.add(() -> assertEquals(403, adminOptions.status(), () -> "OPTIONS admin from 127.0.0.2: " + adminOptions));

            // Requests the container refuses itself on the loopback context, before any resource runs.
            for (String path : List.of("/loopback/WEB-INF/web.xml", "/loopback/META-INF/MANIFEST.MF")) {
                RawHttp.Answer rejected = rawRequest(loopback.tokenUrl(), "GET " + path + " HTTP/1.1\r\n");
                checks.add(() -> assertTrue(rejected.status() >= 400 && rejected.status() < 500, () -> path + ": " + rejected));
                checks.add(() -> assertTrue(String.valueOf(rejected.header("Content-Type")).startsWith("application/problem+json"),
                        () -> path + ": " + rejected));
                checks.add(() -> assertFalse(rejected.body().contains("<html"), () -> path + ": " + rejected));
            }

            upstream.script(Answer.garbageContentType("text/json;;;garbage=\u00e9==="));
            Http.Answer first = http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials&scope=ct", "Authorization", BASIC);
            Http.Answer second = http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials&scope=ct", "Authorization", BASIC);
            checks.add(() -> assertEquals(200, first.status(), () -> "garbage Content-Type: " + first));
            checks.add(() -> assertEquals("MISS", first.header("X-Loopback-Cache"), () -> "garbage Content-Type: " + first));
            checks.add(() -> assertEquals("application/json", first.header("Content-Type"), () -> "garbage Content-Type: " + first));
            checks.add(() -> assertEquals("HIT", second.header("X-Loopback-Cache"), () -> "then: " + second));
            checks.add(() -> assertEquals(token(first), token(second), () -> "then: " + second));
            assertAll(checks);
        }
    }

    /** Sends headers and the first part of the body, pauses, then the rest: two TCP writes. */
    private static RawHttp.Answer twoWrites(URI to, byte[] first, byte[] second) {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(to.getHost(), to.getPort()), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + to.getRawPath() + " HTTP/1.1\r\nHost: " + to.getHost() + ":" + to.getPort()
                    + "\r\nContent-Type: " + FORM + "\r\nContent-Length: " + (first.length + second.length)
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(first);
            out.flush();
            Thread.sleep(200);
            out.write(second);
            out.flush();
            return RawHttp.parse(socket.getInputStream());
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A request line (and any headers) as given, from a browser-like caller that prefers HTML. */
    private static RawHttp.Answer rawRequest(URI base, String head) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            socket.getOutputStream().write((head + "Host: " + base.getHost() + ":" + base.getPort()
                    + "\r\nAccept: text/html\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return RawHttp.parse(socket.getInputStream());
        }
    }

    private static void awaitOpenConnections(LoopbackServer loopback, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (loopback.openConnections() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** An answer and how long the caller waited for it. */
    private record Timed(Http.Answer answer, Duration took) {
        @Override
        public String toString() {
            return answer.status() + " " + answer.header("X-Loopback-Cache") + " in " + took.toMillis() + " ms";
        }
    }

    private static List<Timed> concurrently(int callers, Callable<Http.Answer> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Timed>> futures = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                futures.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    Http.Answer answer = call.call();
                    return new Timed(answer, Duration.ofNanos(System.nanoTime() - start));
                }));
            }
            List<Timed> results = new ArrayList<>();
            for (Future<Timed> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static String token(Http.Answer answer) {
        try {
            JsonNode node = JSON.readTree(answer.body());
            return node.path("access_token").asText(null);
        } catch (IOException e) {
            return null;
        }
    }
}
