package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every way an upstream token endpoint can fail (issues 6 and 10): each fault gets its defined
 * answer, nothing is stored (the next identical request reaches the upstream again), and the
 * loopback then serves and stores a good token normally (MISS, then HIT). The few odd answers that
 * are still good tokens (an absurd {@code expires_in}, a garbage Content-Type) are stored and
 * served. Prints the matrix.
 *
 * <p>Each fault uses its own cache key (its own {@code scope}), so rows are independent.
 */
class UpstreamFailureMatrixIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READ_TIMEOUT = Duration.ofMillis(500);
    private static final int MAX_RESPONSE_BYTES = 65536;

    private final Http http = new Http();

    /** A fault, what the caller must get for it, and whether that answer is (rightly) stored. */
    private record Fault(Answer answer, int status, String expected, Predicate<Http.Answer> check, boolean stored) {
        Fault(Answer answer, int status, String expected, Predicate<Http.Answer> check) {
            this(answer, status, expected, check, false);
        }
    }

    /** One printed line of the matrix. */
    private record Row(String fault, int status, String contentType, String stored, String afterwards) {
    }

    private static Predicate<Http.Answer> passedThrough(String bodyFragment) {
        return a -> a.body().contains(bodyFragment) && !isProblem(a);
    }

    private static Predicate<Http.Answer> problem(int status) {
        return a -> {
            if (!isProblem(a)) {
                return false;
            }
            try {
                JsonNode p = JSON.readTree(a.body());
                return p.hasNonNull("type") && p.hasNonNull("title") && p.path("status").asInt() == status
                        && p.hasNonNull("detail");
            } catch (IOException e) {
                return false;
            }
        };
    }

    private static boolean isProblem(Http.Answer a) {
        return String.valueOf(a.header("Content-Type")).startsWith("application/problem+json");
    }

    private static String body(String scope) {
        return "grant_type=client_credentials&client_id=matrix&client_secret=matrix-secret&scope=" + scope;
    }

    private static List<Fault> faults() {
        List<Fault> faults = new ArrayList<>();
        for (int status : new int[] {400, 401, 403, 500, 502, 503}) {
            faults.add(new Fault(Answer.status(status), status, "passed back", passedThrough("upstream_" + status)));
        }
        faults.add(new Fault(Answer.status(429, Duration.ofSeconds(7)), 429, "passed back, Retry-After 7",
                passedThrough("slow_down").and(a -> "7".equals(a.header("Retry-After")))));
        faults.add(new Fault(Answer.nonJson(), 200, "passed back", passedThrough("<html>")));
        faults.add(new Fault(Answer.jsonWithoutAccessToken(), 200, "passed back", passedThrough("token_type")));
        // Issue 20: an empty access_token is no RFC 6750 b64token; it is refused, never passed on.
        faults.add(new Fault(Answer.emptyAccessToken(), 502, "problem JSON (token-malformed)", problem(502)));
        faults.add(new Fault(Answer.oversize(4 * MAX_RESPONSE_BYTES), 502, "problem JSON", problem(502)));
        faults.add(new Fault(Answer.slow(READ_TIMEOUT.multipliedBy(4)), 504, "problem JSON", problem(504)));
        faults.add(new Fault(Answer.resetMidBody(), 502, "problem JSON", problem(502)));
        faults.add(new Fault(Answer.garbage(), 502, "problem JSON", problem(502)));
        // Issue 10: no upstream answer holds the caller past connect + read timeout, none is a 500,
        // a cut-off or out-of-range answer is never passed on as an answer.
        faults.add(new Fault(Answer.trickle(Duration.ofMillis(200), Duration.ofSeconds(30)), 504, "problem JSON",
                problem(504)));
        faults.add(new Fault(Answer.endlessChunked(Duration.ofMillis(200), Duration.ofSeconds(30)), 504,
                "problem JSON", problem(504)));
        faults.add(new Fault(Answer.cutOff(), 502, "problem JSON", problem(502)));
        faults.add(new Fault(Answer.rawStatus(99), 502, "problem JSON", problem(502)));
        faults.add(new Fault(Answer.rawStatus(600), 502, "problem JSON", problem(502)));
        faults.add(new Fault(Answer.expiresIn("1e18"), 200, "stored for ttl", passedThrough("1e18"), true));
        faults.add(new Fault(Answer.expiresIn("\"99999999999999999999\""), 200, "stored for ttl",
                passedThrough("99999999999999999999"), true));
        faults.add(new Fault(Answer.expiresIn("\"soon\""), 200, "passed back", passedThrough("\"soon\"")));
        faults.add(new Fault(Answer.garbageContentType("text/json;;;x=\u00e9=="), 200, "stored, as application/json",
                a -> a.body().contains("access_token") && "application/json".equals(a.header("Content-Type")), true));
        return faults;
    }

    @Test
    void eachUpstreamFaultGetsItsDefinedAnswerStoresNothingAndAGoodTokenFollows() {
        List<Row> rows = new ArrayList<>();
        List<Executable> checks = new ArrayList<>();
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder()
                     .upstream(upstream.tokenUrl())
                     // One budget per exchange: connect + read = 1 s for the slow, trickling and endless rows.
                     .setting("connect-timeout", READ_TIMEOUT.toMillis() + "ms")
                     .setting("read-timeout", READ_TIMEOUT.toMillis() + "ms")
                     .setting("max-response-bytes", MAX_RESPONSE_BYTES)
                     .start()) {
            List<Fault> faults = faults();
            for (int i = 0; i < faults.size(); i++) {
                Fault fault = faults.get(i);
                String request = body("row-" + i);
                upstream.script(fault.answer());
                int before = upstream.callCount();

                Http.Answer failed = http.post(loopback.tokenUrl(), FORM, request);
                int afterFault = upstream.callCount();
                Http.Answer again = http.post(loopback.tokenUrl(), FORM, request);
                int afterAgain = upstream.callCount();
                Http.Answer hit = http.post(loopback.tokenUrl(), FORM, request);
                int afterHit = upstream.callCount();

                boolean reachedUpstreamAgain = afterAgain == afterFault + 1;
                rows.add(new Row(fault.answer().name(), failed.status(), failed.header("Content-Type"),
                        reachedUpstreamAgain ? "no" : "YES", again.status() + " " + again.header("X-Loopback-Cache")
                        + " -> " + hit.status() + " " + hit.header("X-Loopback-Cache")));
                Supplier<String> message = () -> fault.answer().name() + "\nfault answer: " + failed
                        + "\nnext: " + again + "\nthen: " + hit + "\nupstream: " + upstream.calls();
                checks.add(() -> assertEquals(fault.status(), failed.status(), message));
                checks.add(() -> assertTrue(fault.check().test(failed), () -> "expected " + fault.expected() + ": " + message.get()));
                checks.add(() -> assertEquals("no-store", failed.header("Cache-Control"), message));
                checks.add(() -> assertEquals(before + 1, afterFault, () -> "one upstream call for the fault: " + message.get()));
                if (fault.stored()) {
                    checks.add(() -> assertEquals("MISS", failed.header("X-Loopback-Cache"), message));
                    checks.add(() -> assertEquals(afterFault, afterAgain, () -> "not stored: " + message.get()));
                    checks.add(() -> assertEquals("HIT", again.header("X-Loopback-Cache"), message));
                    checks.add(() -> assertEquals(token(failed), token(again), message));
                } else {
                    checks.add(() -> assertTrue(reachedUpstreamAgain, () -> "fault was stored: " + message.get()));
                    checks.add(() -> assertEquals(200, again.status(), message));
                    checks.add(() -> assertEquals("MISS", again.header("X-Loopback-Cache"), message));
                    checks.add(() -> assertEquals(token(again), token(hit), message));
                }
                checks.add(() -> assertEquals("HIT", hit.header("X-Loopback-Cache"), message));
                checks.add(() -> assertEquals(afterAgain, afterHit, () -> "HIT must not call upstream: " + message.get()));
            }
        } finally {
            printMatrix(rows);
        }
        assertAll(checks);
    }

    @Test
    void connectionRefusedAndTlsHandshakeFailureAre502ProblemsAndNothingIsStored() throws Exception {
        List<Row> rows = new ArrayList<>();
        List<Executable> checks = new ArrayList<>();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        try (FaultyUpstream plainHttp = FaultyUpstream.start()) {
            URI refused = URI.create("http://127.0.0.1:" + closedPort + "/token");
            // https:// to a plain-HTTP listener: the TLS handshake fails.
            URI tlsToPlain = URI.create("https://127.0.0.1:" + plainHttp.tokenUrl().getPort() + "/token");
            for (URI upstreamUrl : List.of(refused, tlsToPlain)) {
                String name = upstreamUrl == refused ? "connection refused" : "TLS handshake failure";
                try (LoopbackServer loopback = LoopbackServer.builder().upstream(upstreamUrl)
                        .setting("connect-timeout", "1s").setting("read-timeout", "2s").start()) {
                    Http.Answer first = http.post(loopback.tokenUrl(), FORM, body("edge"));
                    Http.Answer second = http.post(loopback.tokenUrl(), FORM, body("edge"));
                    rows.add(new Row(name, first.status(), first.header("Content-Type"), "no",
                            "next: " + second.status()));
                    Supplier<String> message = () -> name + "\nfirst: " + first + "\nsecond: " + second;
                    checks.add(() -> assertEquals(502, first.status(), message));
                    checks.add(() -> assertTrue(problem(502).test(first), message));
                    checks.add(() -> assertEquals(502, second.status(), message));
                    checks.add(() -> assertEquals("no-store", first.header("Cache-Control"), message));
                }
            }
            checks.add(() -> assertEquals(0, plainHttp.callCount(), "a TLS ClientHello is no HTTP call"));
        } finally {
            printMatrix(rows);
        }
        assertAll(checks);
    }

    @Test
    void blipOfFiveFailuresThenRecoveryTheSixthIsStoredAndTheSeventhIsAHit() {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start()) {
            upstream.script(Answer.status(503), Answer.status(503), Answer.status(503), Answer.status(503),
                    Answer.status(503));
            List<Http.Answer> answers = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                answers.add(http.post(loopback.tokenUrl(), FORM, body("blip")));
            }
            Supplier<String> message = () -> answers + "\nupstream: " + upstream.calls();
            for (int i = 0; i < 5; i++) {
                assertEquals(503, answers.get(i).status(), message);
            }
            assertEquals(200, answers.get(5).status(), message);
            assertEquals("MISS", answers.get(5).header("X-Loopback-Cache"), message);
            assertEquals(200, answers.get(6).status(), message);
            assertEquals("HIT", answers.get(6).header("X-Loopback-Cache"), message);
            assertNotNull(token(answers.get(5)), message);
            assertEquals(token(answers.get(5)), token(answers.get(6)), message);
            assertEquals(6, upstream.callCount(), message);
            System.out.printf("UpstreamFailureMatrixIT blip: 5 x 503, then 200 %s, then 200 %s; upstream calls %d%n",
                    answers.get(5).header("X-Loopback-Cache"), answers.get(6).header("X-Loopback-Cache"),
                    upstream.callCount());
        }
    }

    private static String token(Http.Answer answer) {
        try {
            return JSON.readTree(answer.body()).path("access_token").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static void printMatrix(List<Row> rows) {
        StringBuilder table = new StringBuilder("\nUpstreamFailureMatrixIT\n");
        String format = "| %-42s | %-6s | %-26s | %-7s | %-22s |%n";
        table.append(String.format(format, "fault", "status", "content type", "stored?", "then (same request)"));
        table.append(String.format(format, "-".repeat(42), "-".repeat(6), "-".repeat(26), "-".repeat(7), "-".repeat(22)));
        for (Row row : rows) {
            table.append(String.format(format, row.fault(), row.status(), row.contentType(), row.stored(), row.afterwards()));
        }
        System.out.print(table);
    }
}
