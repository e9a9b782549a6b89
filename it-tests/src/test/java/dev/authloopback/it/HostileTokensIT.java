package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.filter.BearerTokenClientFilter;
import dev.authloopback.filter.NoBearerTokenException;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.launcher.LauncherOptions;
import dev.authloopback.launcher.LoopbackLauncher;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RawBackend;
import dev.authloopback.testsupport.http.RawHttp;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Issue 20, as a hostile local user who controls what the IdP answers would try it: an access_token
 * holding CR, LF, CRLF + space, NUL, non-ASCII, a comma and a second credential, a space, a megabyte,
 * only blanks, or a token_type other than Bearer. Over real sockets, against the real loopback.war
 * (embedded like {@link LoopbackServer} and in the real launcher), the real sample-app.war with both
 * filters, a {@link FaultyUpstream} answering the hostile body and a {@link RawBackend} that records the
 * request heads as raw bytes: nothing is stored (the next request is not a HIT), no header line is
 * injected anywhere, and no answer or error page echoes the token.
 */
class HostileTokensIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http = new Http();

    /** A hostile token answer: its body, the problem the loopback answers, a piece that must never show. */
    record Hostile(String name, String body, String problem, String leak) {
        static Hostile token(String name, String tokenJson, String leak) {
            return new Hostile(name, "{\"access_token\":" + tokenJson + ",\"token_type\":\"Bearer\",\"expires_in\":3600}",
                    "token-malformed", leak);
        }

        static Hostile type(String type) {
            return new Hostile("token_type " + type, "{\"access_token\":\"" + type.toLowerCase() + "-bound-token\","
                    + "\"token_type\":\"" + type + "\",\"expires_in\":3600}", "token-type-unsupported",
                    type.toLowerCase() + "-bound-token");
        }

        Answer answer() {
            return Answer.named("200 " + name, ex -> ex.write(200, "application/json;charset=utf-8", body));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Hostile> hostile() {
        return List.of(
                Hostile.token("CR", "\"abc\\rX-Injected: 1\"", "X-Injected"),
                Hostile.token("LF", "\"abc\\nX-Injected: 1\"", "X-Injected"),
                Hostile.token("CRLF + space", "\"abc\\r\\n X-Folded: 1\"", "X-Folded"),
                Hostile.token("NUL", "\"abc\\u0000X-Nul\"", "X-Nul"),
                Hostile.token("non-ASCII", "\"abc\u00e9X-Accent\"", "X-Accent"),
                Hostile.token("comma + Basic", "\"a, Basic YWRtaW46YWRtaW4=\"", "YWRtaW46YWRtaW4="),
                Hostile.token("space", "\"abc X-Spaced\"", "X-Spaced"),
                // Over max-token-length (8 KiB) but within max-response-bytes (64 KiB): the token rule refuses it.
                Hostile.token("20 kB", "\"" + "m".repeat(20_000) + "\"", "mmmmmmmmmmmm"),
                // Over max-response-bytes: refused before it is parsed at all.
                new Hostile("1 MB", "{\"access_token\":\"" + "n".repeat(1_000_000) + "\",\"token_type\":\"Bearer\"}",
                        "upstream-answer-too-large", "nnnnnnnnnnnn"),
                Hostile.token("empty after trim", "\"   \"", "Bearer    "),
                Hostile.type("DPoP"),
                Hostile.type("mac"));
    }

    /**
     * The loopback, embedded as the ITs deploy it and in the real launcher: each hostile answer is a 502
     * problem naming the rule, twice in a row (the upstream is asked again: nothing was stored), and
     * neither answer carries the token, an ETag of it, or an injected header.
     */
    @Test
    void theLoopbackEmbeddedAndInTheLauncherAnswersEveryHostileTokenWithA502AndStoresNothing() throws Exception {
        List<Executable> checks = new ArrayList<>();
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer embedded = LoopbackServer.builder().upstream(upstream.tokenUrl()).start();
             LoopbackLauncher launcher = LoopbackLauncher.start(LauncherOptions.of(0, upstream.tokenUrl()),
                     new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            int row = 0;
            for (URI loopback : List.of(embedded.tokenUrl(), launcher.loopbackUrl())) {
                for (Hostile hostile : hostile()) {
                    String request = "grant_type=client_credentials&scope=row-" + row++;
                    upstream.script(hostile.answer(), hostile.answer());
                    int before = upstream.callCount();
                    Http.Answer first = http.post(loopback, FORM, request);
                    Http.Answer second = http.post(loopback, FORM, request);
                    int calls = upstream.callCount() - before;
                    Supplier<String> message = () -> loopback + " " + hostile + "\nfirst: " + first.status() + " "
                            + first.headers() + " " + shortened(first.body()) + "\nsecond: " + second.status() + " "
                            + second.headers();
                    checks.add(() -> assertEquals(502, first.status(), message));
                    checks.add(() -> assertTrue(String.valueOf(first.header("Content-Type")).startsWith("application/problem+json"),
                            message));
                    checks.add(() -> assertEquals("urn:authloopback:problem:" + hostile.problem(),
                            JSON.readTree(first.body()).path("type").asText(), message));
                    checks.add(() -> assertFalse(first.body().contains(hostile.leak()), message));
                    checks.add(() -> assertFalse(first.headers().toString().contains(hostile.leak()), message));
                    checks.add(() -> assertNull(first.header("ETag"), message));
                    checks.add(() -> assertEquals(502, second.status(), message));
                    checks.add(() -> assertNotEquals("HIT", second.header("X-Loopback-Cache"), message));
                    checks.add(() -> assertEquals(2, calls, () -> "nothing stored, so both asked upstream: " + message.get()));
                }
            }
        }
        assertAll(checks);
    }

    /**
     * The whole chain: the business app's filters ask the loopback, the loopback asks the hostile IdP.
     * The loopback refuses the token, so the servlet filter answers its problem and the JAX-RS call is
     * never sent: the backend receives nothing; under {@code continue} it receives the calls without
     * any Authorization header, and no injected line.
     */
    @Test
    void throughLoopbackAndBothFiltersNoInjectedLineReachesTheBackend() {
        List<Executable> checks = new ArrayList<>();
        try (FaultyUpstream upstream = FaultyUpstream.start();
             RawBackend backend = RawBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).start();
             SampleAppServer reject = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .start();
             SampleAppServer carryOn = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .filterParam("on-failure", "continue").start()) {
            for (Hostile hostile : hostile()) {
                upstream.otherwise(hostile.answer());
                int headsBefore = backend.heads().size();
                Http.Answer forward = http.get(reject.forwardUrl());
                Http.Answer outbound = http.get(reject.outboundUrl());
                int headsAfterReject = backend.heads().size();
                Http.Answer forwardOn = http.get(carryOn.forwardUrl());
                Http.Answer outboundOn = http.get(carryOn.outboundUrl());
                List<String> heads = backend.heads().subList(headsAfterReject, backend.heads().size());
                Supplier<String> message = () -> hostile + "\nforward: " + forward + "\noutbound: " + outbound
                        + "\ncontinue: " + forwardOn + " / " + outboundOn + "\nbackend heads: " + heads;

                checks.add(() -> assertEquals(502, forward.status(), message));
                checks.add(() -> assertTrue(forward.body().contains("token-endpoint-error"), message));
                // The servlet filter guards /api/* and answers first; the client filter's own refusal is below.
                checks.add(() -> assertEquals(502, outbound.status(), message));
                checks.add(() -> assertEquals(headsBefore, headsAfterReject, () -> "reject sends nothing: " + message.get()));
                checks.add(() -> assertEquals(200, forwardOn.status(), message));
                checks.add(() -> assertEquals(200, outboundOn.status(), message));
                checks.add(() -> assertEquals(2, heads.size(), message));
                for (String head : heads) {
                    checks.add(() -> assertNoInjection(head, hostile, message));
                }
                for (Http.Answer answer : List.of(forward, outbound, forwardOn, outboundOn)) {
                    checks.add(() -> assertFalse(answer.body().contains(hostile.leak()), message));
                }
            }
        }
        assertAll(checks);
    }

    /**
     * A hostile or older loopback that passes any token through (the IdP's answer served as it came):
     * the filters check the token again before any header is set. {@code reject}: 503
     * {@code token-response-malformed}, the JAX-RS call fails before it is sent; nothing is near-cached,
     * so the next request asks again; {@code continue}: the backend gets the calls without the header.
     */
    @Test
    void aHostileOrOlderLoopbackCannotInjectThroughEitherFilter() {
        List<Executable> checks = new ArrayList<>();
        try (FaultyUpstream olderLoopback = FaultyUpstream.start();
             RawBackend backend = RawBackend.start();
             SampleAppServer reject = SampleAppServer.builder().tokenUrl(olderLoopback.tokenUrl())
                     .backendUrl(backend.url()).start();
             SampleAppServer carryOn = SampleAppServer.builder().tokenUrl(olderLoopback.tokenUrl())
                     .backendUrl(backend.url()).filterParam("on-failure", "continue").start()) {
            for (Hostile hostile : hostile()) {
                olderLoopback.otherwise(hostile.answer());
                int callsBefore = olderLoopback.callCount();
                int headsBefore = backend.heads().size();
                Http.Answer forward = http.get(reject.forwardUrl());
                Http.Answer again = http.get(reject.forwardUrl());
                Http.Answer outbound = http.get(reject.outboundUrl());
                int calls = olderLoopback.callCount() - callsBefore;
                int headsAfterReject = backend.heads().size();
                Http.Answer forwardOn = http.get(carryOn.forwardUrl());
                Http.Answer outboundOn = http.get(carryOn.outboundUrl());
                List<String> heads = backend.heads().subList(headsAfterReject, backend.heads().size());
                Supplier<String> message = () -> hostile + "\nforward: " + forward + "\nagain: " + again
                        + "\noutbound: " + outbound + "\ncontinue: " + forwardOn + " / " + outboundOn
                        + "\nbackend heads: " + heads;

                checks.add(() -> assertEquals(503, forward.status(), message));
                checks.add(() -> assertEquals("urn:authloopback:problem:token-response-malformed",
                        JSON.readTree(forward.body()).path("type").asText(), message));
                checks.add(() -> assertEquals(503, again.status(), message));
                checks.add(() -> assertEquals(503, outbound.status(), message));
                checks.add(() -> assertEquals(3, calls, () -> "nothing near-cached: every request asked: " + message.get()));
                checks.add(() -> assertEquals(headsBefore, headsAfterReject, () -> "reject sends nothing: " + message.get()));
                checks.add(() -> assertEquals(200, forwardOn.status(), message));
                checks.add(() -> assertEquals(200, outboundOn.status(), message));
                checks.add(() -> assertEquals(2, heads.size(), message));
                for (String head : heads) {
                    checks.add(() -> assertNoInjection(head, hostile, message));
                }
                for (Http.Answer answer : List.of(forward, again, outbound, forwardOn, outboundOn)) {
                    checks.add(() -> assertFalse(answer.body().contains(hostile.leak()), message));
                    checks.add(() -> assertFalse(answer.headers().toString().contains(hostile.leak()), message));
                }
            }
        }
        assertAll(checks);
    }

    /**
     * The JAX-RS client filter on its own (Jersey's default connector, which put {@code Bearer abc\rX-Injected: 1}
     * on the wire before issue 20), against the same hostile or older loopback: under {@code reject} each
     * call fails before it is sent with a {@link NoBearerTokenException} that does not quote the token;
     * under {@code continue} the call goes out without the header.
     */
    @Test
    void theJaxRsClientFilterFailsTheCallOrSendsItWithoutTheHeader() {
        List<Executable> checks = new ArrayList<>();
        try (FaultyUpstream olderLoopback = FaultyUpstream.start();
             RawBackend backend = RawBackend.start();
             BearerTokenClientFilter reject = BearerTokenClientFilter.create(Map.of(
                     "token-url", olderLoopback.tokenUrl().toString(), "on-failure", "reject"));
             BearerTokenClientFilter carryOn = BearerTokenClientFilter.create(Map.of(
                     "token-url", olderLoopback.tokenUrl().toString(), "on-failure", "continue"))) {
            Client rejecting = ClientBuilder.newClient().register(reject);
            Client continuing = ClientBuilder.newClient().register(carryOn);
            try {
                for (Hostile hostile : hostile()) {
                    olderLoopback.otherwise(hostile.answer());
                    int headsBefore = backend.heads().size();
                    ProcessingException failed = null;
                    try {
                        rejecting.target(backend.url()).request().get().close();
                    } catch (ProcessingException e) {
                        failed = e;
                    }
                    ProcessingException refused = failed;
                    int headsAfterReject = backend.heads().size();
                    int status;
                    try (Response response = continuing.target(backend.url()).request().get()) {
                        status = response.getStatus();
                    }
                    int continued = status;
                    List<String> heads = backend.heads().subList(headsAfterReject, backend.heads().size());
                    Supplier<String> message = () -> hostile + "\nreject: " + refused + "\ncontinue: " + continued
                            + "\nbackend heads: " + heads;
                    checks.add(() -> assertNotNull(refused, message));
                    checks.add(() -> assertTrue(refused.getCause() instanceof NoBearerTokenException, message));
                    checks.add(() -> assertFalse(String.valueOf(refused.getMessage()).contains(hostile.leak()), message));
                    checks.add(() -> assertEquals(headsBefore, headsAfterReject, () -> "reject sends nothing: " + message.get()));
                    checks.add(() -> assertEquals(200, continued, message));
                    checks.add(() -> assertEquals(1, heads.size(), message));
                    for (String head : heads) {
                        checks.add(() -> assertNoInjection(head, hostile, message));
                    }
                }
            } finally {
                rejecting.close();
                continuing.close();
            }
        }
        assertAll(checks);
    }

    /**
     * No error page shows a header value: what Jetty refuses before the web app (a header with a bare
     * CR, a NUL, a 20 kB header) is the launcher's problem JSON; what the container refuses on the
     * context is the WAR's error page; each names the status only.
     */
    @Test
    void errorPagesOfTheLauncherAndTheWarNeverEchoAHeaderValue() throws Exception {
        List<Executable> checks = new ArrayList<>();
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer embedded = LoopbackServer.builder().upstream(upstream.tokenUrl()).start();
             LoopbackLauncher launcher = LoopbackLauncher.start(LauncherOptions.of(0, upstream.tokenUrl()),
                     new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            String secret = "secret-token-" + "s".repeat(20);
            List<String> heads = List.of(
                    "GET /loopback HTTP/1.1\r\nAuthorization: Bearer " + secret + "\rX-Injected: 1\r\n",
                    "GET /loopback HTTP/1.1\r\nAuthorization: Bearer " + secret + "\u0000X-Injected\r\n",
                    "GET /loopback HTTP/1.1\r\nAuthorization: Bearer " + secret + "x".repeat(20_000) + "\r\n",
                    "GET /loopback/WEB-INF/web.xml HTTP/1.1\r\nAuthorization: Bearer " + secret + "\r\nX-Token: "
                            + secret + "\r\n",
                    "GET /loopback/%zz HTTP/1.1\r\nAuthorization: Bearer " + secret + "\r\n");
            for (URI base : List.of(launcher.loopbackUrl(), embedded.tokenUrl())) {
                for (String head : heads) {
                    if (base.equals(embedded.tokenUrl()) && !head.contains("WEB-INF")) {
                        continue; // the embedded server has no launcher error handler; only the WAR's page is its own
                    }
                    RawHttp.Answer refused = raw(base, head);
                    String shown = base + " " + head.substring(0, Math.min(40, head.length())).replace("\r", "\\r")
                            .replace("\u0000", "\\0") + ": " + refused;
                    checks.add(() -> assertTrue(refused.status() >= 400 && refused.status() < 500, shown));
                    checks.add(() -> assertTrue(String.valueOf(refused.header("Content-Type"))
                            .startsWith("application/problem+json"), shown));
                    checks.add(() -> assertFalse(refused.body().contains(secret) || refused.body().contains("X-Injected")
                            || refused.body().contains("Bearer"), shown));
                    checks.add(() -> assertFalse(refused.headers().toString().contains(secret), shown));
                }
            }
        }
        assertAll(checks);
    }

    /** No line of the raw head is an injected or folded header, and no Authorization line was sent. */
    private static void assertNoInjection(String head, Hostile hostile, Supplier<String> message) {
        String[] lines = head.split("\r\n", -1);
        for (String line : lines) {
            assertFalse(line.startsWith(" ") || line.startsWith("\t"), () -> "folded line: " + message.get());
            assertFalse(line.startsWith("X-Injected") || line.startsWith("X-Folded"), () -> "injected: " + message.get());
            assertFalse(line.toLowerCase().startsWith("authorization:"), () -> "no header under continue: " + message.get());
            assertFalse(line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0 || line.indexOf('\u0000') >= 0,
                    () -> "bare CR/LF/NUL inside a line: " + message.get());
        }
        assertFalse(head.contains(hostile.leak()), message);
    }

    /** One request head as given (its bytes as ISO-8859-1), Connection: close. */
    private static RawHttp.Answer raw(URI base, String head) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            socket.getOutputStream().write((head + "Host: " + base.getHost() + ":" + base.getPort()
                    + "\r\nAccept: text/html\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return RawHttp.parse(socket.getInputStream());
        }
    }

    private static String shortened(String body) {
        return body.length() > 300 ? body.substring(0, 300) + "..." : body;
    }
}
