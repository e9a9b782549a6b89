package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.CONNECT_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.ON_FAILURE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.READ_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_HEADERS_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The loopback down, resetting connections, refusing, failing, answering garbage or too slowly:
 * {@code reject} answers 503/502 problem JSON within connect + read timeout and never calls the chain;
 * {@code continue} calls the chain without the header.
 */
class BearerTokenFilterFaultsTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    private static final Duration READ_TIMEOUT = Duration.ofMillis(700);
    /** Thread scheduling and Jetty on a shared 2-core machine; far below the slow loopback's 10 s. */
    private static final Duration MARGIN = Duration.ofMillis(1500);
    private static final String SECRET = "s3cr3t-client-secret";

    enum Fault {
        DOWN(503, "token-endpoint-unreachable", "check init-param token-url of filter bearer-token: is the loopback listening there?"),
        RESETS_CONNECTION(503, "token-endpoint-unreachable", "check init-param token-url of filter bearer-token"),
        ANSWERS_401(502, "token-endpoint-error", "check init-param token-body of filter bearer-token and init-param token-headers"),
        ANSWERS_500(502, "token-endpoint-error", "see its log (init-param token-url of filter bearer-token names it)"),
        ANSWERS_GARBAGE(503, "token-response-malformed", "check init-param token-url of filter bearer-token (does it name a token endpoint?)"),
        ANSWERS_JSON_WITHOUT_TOKEN(503, "token-response-malformed", "and init-param token-path of filter bearer-token"),
        TOO_SLOW(503, "token-endpoint-timeout", "or raise init-param connect-timeout of filter bearer-token"),
        /** Headers at once, then a body byte every 200 ms: each read is within read-timeout, the whole is not. */
        TRICKLES_BODY(503, "token-endpoint-timeout", "or raise init-param connect-timeout of filter bearer-token");

        final int status;
        final String type;
        /** The part of the detail that tells the operator which param to change. */
        final String advice;

        Fault(int status, String type, String advice) {
            this.status = status;
            this.type = type;
            this.advice = advice;
        }
    }

    private FakeLoopback loopback;
    private BusinessApp app;
    private ServerSocket resetting;
    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();

    @BeforeEach
    void startLoopback() throws Exception {
        loopback = new FakeLoopback();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (app != null) {
            app.close();
        }
        loopback.close();
        if (resetting != null) {
            resetting.close();
        }
        acceptor.shutdownNow();
        assertTrue(acceptor.awaitTermination(5, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void rejectAnswersProblemJsonWithinTimeoutsAndSkipsTheChain(Fault fault) throws Exception {
        Map<String, String> params = params(fault, "reject");
        String tokenUrl = params.get(TOKEN_URL_PARAM);
        app = new BusinessApp(params);

        long start = System.nanoTime();
        HttpResponse<String> response = app.get("/echo", "Authorization", "Basic client-supplied");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        String body = response.body();
        assertEquals(fault.status, response.statusCode(), body);
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse("").split(";")[0], body);
        assertTrue(body.contains("\"type\":\"urn:authloopback:problem:" + fault.type + "\""), body);
        assertTrue(body.contains("\"status\":" + fault.status), body);
        assertTrue(body.contains("\"title\":\""), body);
        assertTrue(body.contains("\"detail\":\"The token endpoint"), body);
        assertTrue(body.contains("; POST " + tokenUrl + "; "), "the detail names the URL tried: " + body);
        assertTrue(body.contains(fault.advice), "the detail names the param to change: " + body);
        assertFalse(body.contains(SECRET), body);
        assertFalse(body.contains("invalid_client") || body.contains("not a token") || body.contains("boom"),
                "the endpoint's body is not echoed: " + body);
        assertFalse(body.contains("Exception"), "no stack trace: " + body);
        assertEquals(0, app.chainCalls.get(), "the chain must not be called: " + body);
        assertTrue(took.compareTo(CONNECT_TIMEOUT.plus(READ_TIMEOUT).plus(MARGIN)) < 0, "took " + took + ": " + body);
    }

    @Test
    void failureDetailNamesTheTokenUrlWithItsCredentialsMasked() throws Exception {
        Map<String, String> params = params(Fault.DOWN, "reject");
        URI down = URI.create(params.get(TOKEN_URL_PARAM));
        params.put(TOKEN_URL_PARAM, "http://client:" + SECRET + "@127.0.0.1:" + down.getPort() + "/loopback?key=" + SECRET);
        app = new BusinessApp(params);

        HttpResponse<String> response = app.get("/echo");

        assertEquals(503, response.statusCode(), response.body());
        assertTrue(response.body().contains("; POST http://127.0.0.1:" + down.getPort() + "/loopback (user info/query masked); "
                + "check init-param token-url of filter bearer-token"), response.body());
        assertFalse(response.body().contains(SECRET), response.body());
    }

    @Test
    void aTokenUrlWhoseHostDoesNotResolveIsNamedAsSuch() throws Exception {
        Map<String, String> params = params(Fault.DOWN, "reject");
        params.put(TOKEN_URL_PARAM, "http://no-such-host.invalid:8082/loopback"); // RFC 6761: never resolves
        app = new BusinessApp(params);

        HttpResponse<String> response = app.get("/echo");

        assertEquals(503, response.statusCode(), response.body());
        assertTrue(response.body().contains("could not be reached (unknown host: the name in token-url did not resolve)"),
                response.body());
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void continueCallsTheChainWithoutTheHeader(Fault fault) throws Exception {
        app = new BusinessApp(params(fault, "continue"));

        long start = System.nanoTime();
        HttpResponse<String> response = app.get("/echo", "Authorization", "Basic client-supplied");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        Map<String, String> seen = BusinessApp.echoed(response);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(1, app.chainCalls.get(), response.body());
        assertEquals("null", seen.get("header"), response.body());
        assertEquals("[]", seen.get("headers"), response.body());
        assertEquals("[]", seen.get("names"), response.body());
        assertEquals("null", seen.get("attribute"), response.body());
        assertTrue(took.compareTo(CONNECT_TIMEOUT.plus(READ_TIMEOUT).plus(MARGIN)) < 0, "took " + took);
    }

    private Map<String, String> params(Fault fault, String onFailure) throws IOException {
        Map<String, String> p = new HashMap<>();
        p.put(TOKEN_URL_PARAM, url(fault).toString());
        p.put(TOKEN_BODY_PARAM, "grant_type=client_credentials&client_secret=" + SECRET);
        p.put(TOKEN_HEADERS_PARAM, "X-Secret: " + SECRET);
        p.put(CONNECT_TIMEOUT_PARAM, CONNECT_TIMEOUT.toMillis() + "ms");
        p.put(READ_TIMEOUT_PARAM, "PT" + READ_TIMEOUT.toMillis() / 1000.0 + "S");
        p.put(ON_FAILURE_PARAM, onFailure);
        return p;
    }

    private URI url(Fault fault) throws IOException {
        switch (fault) {
            case DOWN -> {
                int port;
                try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = probe.getLocalPort();
                }
                return URI.create("http://127.0.0.1:" + port + "/loopback");
            }
            case RESETS_CONNECTION -> {
                resetting = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                acceptor.submit(() -> {
                    while (!resetting.isClosed()) {
                        try (Socket s = resetting.accept()) {
                            s.setSoLinger(true, 0); // RST instead of FIN
                        } catch (IOException e) {
                            return;
                        }
                    }
                });
                return URI.create("http://127.0.0.1:" + resetting.getLocalPort() + "/loopback");
            }
            case ANSWERS_401 -> loopback.mode = FakeLoopback.Mode.UNAUTHORIZED;
            case ANSWERS_500 -> loopback.mode = FakeLoopback.Mode.SERVER_ERROR;
            case ANSWERS_GARBAGE -> loopback.mode = FakeLoopback.Mode.GARBAGE;
            case ANSWERS_JSON_WITHOUT_TOKEN -> loopback.mode = FakeLoopback.Mode.NO_TOKEN;
            case TOO_SLOW -> loopback.mode = FakeLoopback.Mode.SLOW;
            case TRICKLES_BODY -> {
                resetting = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                acceptor.submit(() -> {
                    while (!resetting.isClosed()) {
                        try (Socket s = resetting.accept()) {
                            s.getInputStream().read(new byte[8192]);
                            OutputStream out = s.getOutputStream();
                            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                                    .getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            for (int i = 0; i < 999; i++) {
                                Thread.sleep(200);
                                out.write(' ');
                                out.flush();
                            }
                        } catch (IOException e) {
                            // the filter gave up and closed the connection: expected
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                return URI.create("http://127.0.0.1:" + resetting.getLocalPort() + "/loopback");
            }
            default -> throw new IllegalArgumentException(fault.name());
        }
        return loopback.url();
    }
}
