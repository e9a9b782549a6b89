package dev.authloopback.loopback;

import dev.authloopback.loopback.support.CountingUpstream;
import dev.authloopback.loopback.support.LoopbackTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CallerAccessAndLimitsTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials";
    private static final String SECRET = "s3cret-s3cret-s3cret";

    private final CountingUpstream upstream = new CountingUpstream();
    private LoopbackTestServer loopback;

    CallerAccessAndLimitsTest() throws Exception {
    }

    @AfterEach
    void stop() throws Exception {
        if (loopback != null) {
            loopback.close();
        }
        upstream.close();
    }

    private void start(String host, Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("upstream-url", upstream.url()));
        settings.putAll(extra);
        loopback = new LoopbackTestServer(settings, null, host);
    }

    /**
     * Sends the token request from source address 127.0.0.2 (the JDK HttpClient of Java 17 cannot
     * bind a local address), so the loopback sees a peer other than 127.0.0.1.
     */
    private String postFrom127002(String extraHeader) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress("127.0.0.2", 0));
            socket.connect(new InetSocketAddress("127.0.0.2", loopback.uri("").getPort()), 5000);
            socket.setSoTimeout(10_000);
            String request = "POST /loopback HTTP/1.1\r\nHost: 127.0.0.2\r\nContent-Type: " + FORM
                    + "\r\nContent-Length: " + BODY.length() + "\r\nConnection: close\r\n" + extraHeader + "\r\n"
                    + BODY;
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aCallerOutsideTheAllowListGets403EvenWithAForwardedForHeader() throws Exception {
        start("127.0.0.2", Map.of("allow-from", "127.0.0.1/32"));
        String refused = postFrom127002("X-Forwarded-For: 127.0.0.1\r\n");
        assertTrue(refused.startsWith("HTTP/1.1 403"), refused);
        assertTrue(refused.contains("application/problem+json"), refused);
        assertEquals(0, upstream.calls());
    }

    @Test
    void aMatchingAllowListLetsTheCallerIn() throws Exception {
        start("127.0.0.2", Map.of("allow-from", "127.0.0.1/32, 127.0.0.2/32"));
        String ok = postFrom127002("");
        assertTrue(ok.startsWith("HTTP/1.1 200"), ok);
    }

    @Test
    void sharedSecretMissingWrongRight() throws Exception {
        start("127.0.0.1", Map.of("shared-secret", SECRET));
        assertEquals(401, loopback.post("", FORM, BODY).statusCode());
        assertEquals(401, loopback.post("", FORM, BODY, "X-Loopback-Secret", SECRET + "x").statusCode());
        HttpResponse<String> ok = loopback.post("", FORM, BODY, "X-Loopback-Secret", SECRET);
        assertEquals(200, ok.statusCode(), ok.body());
    }

    @Test
    void oversizedBodyGets413WithoutReachingUpstream() throws Exception {
        start("127.0.0.1", Map.of());
        String huge = "a=" + "x".repeat(1024 * 1024);
        long started = System.nanoTime();
        HttpResponse<String> r = loopback.post("", FORM, huge);
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10, "answered quickly");
        assertEquals(0, upstream.calls());
    }

    /**
     * A body that must be awaited holds its declared length in max-bytes-in-flight: with the cap at one
     * such body, a second slow caller is refused at once with 503 busy (its connection closed), the
     * first one is still served when its body completes, and its bytes leave flight with its request.
     */
    @Test
    void aSlowBodyThatDoesNotFitInFlightGets503BusyAndTheFirstIsStillServed() throws Exception {
        start("127.0.0.1", Map.of("max-bytes-in-flight", "64KiB"));
        String body = BODY + "&pad=" + "x".repeat(60_000 - BODY.length() - 5);
        String head = "POST /loopback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + FORM + "\r\nContent-Length: "
                + body.length() + "\r\nConnection: close\r\n\r\n";
        try (Socket first = new Socket("127.0.0.1", loopback.uri("").getPort());
             Socket second = new Socket("127.0.0.1", loopback.uri("").getPort())) {
            first.setSoTimeout(10_000);
            second.setSoTimeout(10_000);
            first.getOutputStream().write((head + body.substring(0, 10)).getBytes(StandardCharsets.US_ASCII));
            first.getOutputStream().flush();
            awaitInFlight(60_000);

            second.getOutputStream().write((head + body.substring(0, 10)).getBytes(StandardCharsets.US_ASCII));
            second.getOutputStream().flush();
            String refused = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(refused.startsWith("HTTP/1.1 503"), refused);
            assertTrue(refused.contains("urn:authloopback:problem:busy") && refused.contains("Retry-After: 1")
                    && refused.contains("Connection: close"), refused);

            first.getOutputStream().write(body.substring(10).getBytes(StandardCharsets.US_ASCII));
            first.getOutputStream().flush();
            String served = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(served.startsWith("HTTP/1.1 200"), served);
        }
        awaitInFlight(0);
        String metrics = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/metrics")).GET().build()).body();
        assertTrue(metrics.contains("loopback_in_flight_refusals_total{profile=\"default\",side=\"request_body\"} 1"),
                metrics);
        assertEquals(1, upstream.calls());
    }

    /** Polls the in-flight gauge (bounded) until it reads {@code atLeast} bytes, or 0 when asked for 0. */
    private void awaitInFlight(long atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/metrics")).GET().build()).body();
            double held = last.lines().filter(l -> l.startsWith("loopback_in_flight_bytes "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
            if (atLeast == 0 ? held == 0 : held >= atLeast) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("in flight never reached " + atLeast + ":\n" + last);
    }

    @Test
    void methodOutsideTheConfiguredSetGets405WithAllow() throws Exception {
        start("127.0.0.1", Map.of());
        HttpResponse<String> r = loopback.send(HttpRequest.newBuilder(loopback.uri("")).GET().build());
        assertEquals(405, r.statusCode(), r.body());
        assertEquals("DELETE, POST", r.headers().firstValue("Allow").orElse(null));
        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    void unsupportedContentTypeGets415() throws Exception {
        start("127.0.0.1", Map.of());
        HttpResponse<String> r = loopback.post("", "text/plain", "hello");
        assertEquals(415, r.statusCode(), r.body());
        assertEquals(0, upstream.calls());
    }

    @Test
    void passMethodsAreForwardedWithoutCaching() throws Exception {
        start("127.0.0.1", Map.of("pass-methods", "GET"));
        HttpResponse<String> first = loopback.send(HttpRequest.newBuilder(loopback.uri("")).GET().build());
        HttpResponse<String> second = loopback.send(HttpRequest.newBuilder(loopback.uri("")).GET().build());
        assertEquals("BYPASS", first.headers().firstValue("X-Loopback-Cache").orElse(null), first.body());
        assertEquals("BYPASS", second.headers().firstValue("X-Loopback-Cache").orElse(null));
        assertEquals(2, upstream.calls());
    }

    @Test
    void adminCallsHaveTheirOwnGuard() throws Exception {
        start("127.0.0.1", Map.of("admin-secret", SECRET));
        HttpResponse<String> refused = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/health")).build());
        assertEquals(401, refused.statusCode());
        HttpResponse<String> health = loopback.send(HttpRequest.newBuilder(loopback.uri("/admin/health"))
                .header("X-Loopback-Admin-Secret", SECRET).build());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
    }
}
