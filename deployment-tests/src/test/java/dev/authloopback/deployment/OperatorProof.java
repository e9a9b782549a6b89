package dev.authloopback.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docs/operations.md on a real server: Prometheus scrapes the admin views through the admin
 * connector while the token API stays unreachable there; health turns DOWN (503) when the token
 * endpoint refuses connections; Ehcache's own log lines reach the server log.
 */
final class OperatorProof {

    private static final String FORM = "application/x-www-form-urlencoded";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String server;

    OperatorProof(String server) {
        this.server = server;
    }

    /** Metrics, stats and health answer on the admin port; the MISS of the pattern proof is counted. */
    void adminViewsAreScrapedOnTheAdminPort(URI admin) throws Exception {
        HttpResponse<String> metrics = get(admin.resolve("/loopback/admin/metrics"));
        assertEquals(200, metrics.statusCode(), () -> server + ": GET admin/metrics on the admin port: " + metrics.body());
        String type = metrics.headers().firstValue("Content-Type").orElse("").replace(" ", "");
        assertTrue(type.startsWith("text/plain;") && type.contains("version=0.0.4"),
                () -> server + ": metrics content type " + metrics.headers().map());
        // The business requests before this made at least one MISS (how many depends on the checks run
        // before, e.g. a late-body request); the exact sequence is MetricsAfterAKnownSequenceIT's job.
        Matcher misses = Pattern
                .compile("\nloopback_answers_total\\{cache=\"MISS\",profile=\"default\"} (\\d+)\\.0\n")
                .matcher(metrics.body());
        assertTrue(misses.find() && Integer.parseInt(misses.group(1)) >= 1,
                () -> server + ": MISSes counted:\n" + metrics.body());
        assertTrue(metrics.body().contains("\nprocess_start_time_seconds "), () -> server + ": process metrics:\n" + metrics.body());
        for (String view : new String[] {"/loopback/admin/stats", "/loopback/admin/health", "/loopback/admin/health/live"}) {
            HttpResponse<String> answer = get(admin.resolve(view));
            assertEquals(200, answer.statusCode(), () -> server + ": GET " + view + " on the admin port: " + answer.body());
        }
    }

    /** Token calls and evict-all that arrive on the admin port get 404. */
    void tokenApiIsRefusedOnTheAdminPort(URI admin) throws Exception {
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(admin.resolve("/loopback"))
                .header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=backend")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, token.statusCode(), () -> server + ": POST /loopback on the admin port answered "
                + token.statusCode() + " " + token.body());
        assertTrue(!token.body().contains("access_token"), () -> server + ": " + token.body());
        HttpResponse<String> evictAll = http.send(HttpRequest.newBuilder(admin.resolve("/loopback/admin/entries"))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, evictAll.statusCode(), () -> server + ": DELETE admin/entries on the admin port answered "
                + evictAll.statusCode() + " " + evictAll.body());
    }

    /** With the token endpoint gone, two token requests for a new key fail and health says DOWN with the reason. */
    void healthIsDownWithinTwoRefusedConnections(URI loopback, URI admin) throws Exception {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> failed = http.send(HttpRequest.newBuilder(loopback.resolve("/loopback"))
                    .header("Content-Type", FORM)
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=health-" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(502, failed.statusCode(), () -> server + ": token request with the upstream gone: " + failed.body());
        }
        HttpResponse<String> health = get(admin.resolve("/loopback/admin/health"));
        assertEquals(503, health.statusCode(), () -> server + ": health after 2 refused connections: " + health.body());
        assertTrue(health.body().startsWith("{\"status\":\"DOWN\",\"reasons\":[\"default: upstream_failing (the last 2"
                + " upstream calls to "), () -> server + ": health " + health.body());
        assertTrue(health.body().contains("failed (connect_failed) since "), () -> server + ": health " + health.body());
        System.out.println(server + " health when the token endpoint is gone: " + health.body());
    }

    /**
     * Ehcache logs through SLF4J; its start-up line must be in the server's log, and no SLF4J binding
     * clash (two providers, a provider of another class loader) may be reported. The sample app's own
     * "No SLF4J providers" notice on Jetty (README "What lands in WEB-INF/lib") is not the loopback's.
     */
    void ehcacheLogReachesTheServerLog(ServerLog log) {
        assertTrue(log.contains("Cache 'tokens-default' created in EhcacheManager"),
                () -> server + ": Ehcache's own log line is missing\n" + log.tail(60));
        List<String> clashes = log.lines().stream().filter(l -> l.contains("SLF4J") && (l.contains("multiple")
                || l.contains("failed to instantiate") || l.contains("not a subtype") || l.contains("ignoring"))).toList();
        assertEquals(List.of(), clashes, () -> server + ": SLF4J binding clash in the log");
    }

    private HttpResponse<String> get(URI url) throws Exception {
        return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
