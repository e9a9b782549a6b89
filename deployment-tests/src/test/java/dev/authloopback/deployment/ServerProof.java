package dev.authloopback.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import dev.authloopback.testsupport.scenario.PatternProof;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every standalone server must show, the same for Jetty and WildFly: test-support's
 * {@link PatternProof} with the loopback's MISS read from the server's log, and the connector
 * checks; each assertion carries the answer it judged.
 */
final class ServerProof {

    /** The sample app's token-body reads these system properties ({@code ${sys:...}}). */
    static final String CLIENT_ID = "sample-client";
    static final String CLIENT_SECRET = "sample-secret-not-logged";

    private static final Pattern REQUEST_LINE = Pattern.compile("key=(\\S+) cache=(\\w+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String server;
    private final PatternProof patternProof;

    ServerProof(String server) {
        this.server = server;
        // A standalone server's first requests are cold (class loading, JIT): 30 s, not Http's default 20 s.
        this.patternProof = new PatternProof(server, new Http(Duration.ofSeconds(30)));
    }

    /** Two business requests: MISS then HIT at the loopback, one upstream token, the same token at the backend. */
    void twoBusinessRequestsShareOneUpstreamToken(URI businessUrl, RecordingBackend backend, OAuth2Upstream upstream,
                                                  ServerLog loopbackLog) throws Exception {
        patternProof.twoBusinessRequestsShareOneUpstreamToken(businessUrl, backend, upstream::tokenRequests,
                () -> "loopback log ends with:\n" + loopbackLog.tail(20));
        assertMissThenHit(loopbackLog);
    }

    /**
     * The loopback's request log: one line for the MISS; the HIT (proven by the single upstream call
     * and the shared token) leaves no INFO line, so a busy node's log does not grow per request.
     */
    private void assertMissThenHit(ServerLog log) {
        List<String[]> requests = log.lines().stream()
                .map(REQUEST_LINE::matcher)
                .filter(Matcher::find)
                .map(m -> new String[] {m.group(1), m.group(2)})
                .toList();
        String seen = requests.stream().map(r -> r[1] + "(" + r[0] + ")").toList().toString();
        assertEquals(1, requests.size(), () -> server + ": loopback request log lines " + seen);
        assertEquals("MISS", requests.get(0)[1], () -> server + ": loopback request log lines " + seen);
    }

    /** The token API is not reachable through the main HTTP port. */
    void loopbackIsNotServedOnTheMainPort(URI mainLoopbackUrl) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(mainLoopbackUrl)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=backend"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, answer.statusCode(), () -> server + ": POST " + mainLoopbackUrl + " answered "
                + answer.statusCode() + " " + answer.headers().map() + " " + answer.body());
    }

    /** A loopback-made problem answer is in the one namespace the filter's answers use too. */
    void loopbackProblemsShareTheFiltersNamespace(URI loopbackUrl) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(loopbackUrl)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, answer.statusCode(), () -> server + ": " + answer.body());
        assertTrue(answer.body().contains("\"type\":\"urn:authloopback:problem:unsupported-media-type\""),
                () -> server + ": " + answer.body());
    }

    /** Business apps are not served on the loopback connector. */
    void businessAppIsNotServedOnTheLoopbackPort(URI loopbackBusinessUrl) throws Exception {
        HttpResponse<String> answer = get(loopbackBusinessUrl);
        assertEquals(404, answer.statusCode(), () -> server + ": GET " + loopbackBusinessUrl + " answered "
                + answer.statusCode() + " " + answer.body());
    }

    /**
     * Issue 10 on a real server: a token request whose body arrives after its headers is read
     * without blocking (the WAR's non-blocking body read and ASYNC re-dispatch work on this server),
     * one whose body never completes is cut off with 408 at request-body-timeout, and the loopback
     * connector sends no Server header.
     */
    void slowAndStalledBodiesAreHandled(URI loopbackUrl) throws Exception {
        String body = "grant_type=client_credentials&client_id=" + CLIENT_ID + "&scope=late-body";
        String late = rawPost(loopbackUrl, body, 300, true);
        // Whatever the token endpoint makes of it: the request reached the token resource and got its answer.
        assertTrue(late.contains("X-Loopback-Cache: ") && !late.startsWith("HTTP/1.1 408") && !late.startsWith("HTTP/1.1 5"),
                () -> server + ": a body sent 300 ms after the headers got " + late);
        assertTrue(!late.toLowerCase(java.util.Locale.ROOT).contains("\nserver:"),
                () -> server + ": the loopback connector sent a Server header: " + late);
        String stalled = rawPost(loopbackUrl, body, 0, false);
        assertTrue(stalled.startsWith("HTTP/1.1 408") && stalled.contains("application/problem+json"),
                () -> server + ": a body that never completes got " + stalled);
    }

    /** Headers, then (after {@code pauseMillis}) the body, or only half of it; the answer as text. */
    private static String rawPost(URI url, String body, long pauseMillis, boolean wholeBody) throws Exception {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setSoTimeout(30_000);
            socket.connect(new java.net.InetSocketAddress(url.getHost(), url.getPort()), 5_000);
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                    + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(pauseMillis);
            out.write(body.substring(0, wholeBody ? body.length() : body.length() / 2)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> get(URI url) throws Exception {
        return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
