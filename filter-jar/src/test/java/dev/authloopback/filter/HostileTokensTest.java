package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.HEADER_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.HEADER_VALUE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.MAX_TOKEN_LENGTH_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.ON_FAILURE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.http.RawBackend;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 20: a token answer a hostile or older loopback sends is checked again before any header is
 * set. Under {@code reject} the servlet filter answers 503 {@code token-response-malformed} and the
 * client filter fails the call before it is sent; under {@code continue} the request goes on without
 * the header. Nothing is near-cached (the next request asks again) and the token is never shown.
 */
class HostileTokensTest {

    /** A token answer body, and a piece of it that must never show up anywhere. */
    record Hostile(String name, String body, String leak) {
        static Hostile token(String name, String tokenJson, String leak) {
            return new Hostile(name, "{\"access_token\":" + tokenJson + ",\"token_type\":\"Bearer\",\"expires_in\":3600}",
                    leak);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Hostile> hostile() {
        return Stream.of(
                Hostile.token("CR", "\"abc\\rX-Injected: 1\"", "X-Injected"),
                Hostile.token("LF", "\"abc\\nX-Injected: 1\"", "X-Injected"),
                Hostile.token("CRLF + space", "\"abc\\r\\n X-Folded: 1\"", "X-Folded"),
                Hostile.token("NUL", "\"abc\\u0000X-Nul\"", "X-Nul"),
                Hostile.token("non-ASCII", "\"abc\u00e9X-Accent\"", "X-Accent"),
                Hostile.token("comma + Basic", "\"a, Basic YWRtaW46YWRtaW4=\"", "YWRtaW46YWRtaW4="),
                Hostile.token("space", "\"abc X-Spaced\"", "X-Spaced"),
                Hostile.token("1 MB", "\"" + "m".repeat(1_000_000) + "\"", "mmmmmmmm"),
                Hostile.token("empty after trim", "\"   \"", "Bearer    "),
                new Hostile("token_type DPoP", "{\"access_token\":\"dpop-bound\",\"token_type\":\"DPoP\"}", "dpop-bound"),
                new Hostile("token_type mac", "{\"access_token\":\"mac-token\",\"token_type\":\"mac\"}", "mac-token"));
    }

    private FakeLoopback loopback;
    private RawBackend backend;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        loopback = new FakeLoopback();
        loopback.mode = FakeLoopback.Mode.BODY;
        backend = RawBackend.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        backend.close();
        loopback.close();
    }

    private Map<String, String> params(String onFailure) {
        Map<String, String> p = new HashMap<>();
        p.put(TOKEN_URL_PARAM, loopback.url().toString());
        p.put(TOKEN_BODY_PARAM, "grant_type=client_credentials");
        p.put(ON_FAILURE_PARAM, onFailure);
        return p;
    }

    private BusinessApp app(Map<String, String> params) throws Exception {
        BusinessApp app = new BusinessApp(params);
        toClose.add(app);
        return app;
    }

    private Client jersey(Map<String, String> params) {
        BearerTokenClientFilter filter = BearerTokenClientFilter.create(params);
        Client client = ClientBuilder.newClient().register(filter);
        toClose.add(client::close);
        toClose.add(filter);
        return client;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void servletFilterRejectsWith503ProblemCachesNothingAndNeverShowsTheToken(Hostile hostile) throws Exception {
        loopback.body = hostile.body();
        BusinessApp app = app(params("reject"));

        HttpResponse<String> first = app.get("/echo");
        HttpResponse<String> second = app.get("/echo");

        String body = first.body();
        assertEquals(503, first.statusCode(), body);
        assertTrue(body.contains("\"type\":\"urn:authloopback:problem:token-response-malformed\""), body);
        assertTrue(body.contains("must not go into a header") || body.contains("non-empty string"), body);
        assertFalse(body.contains(hostile.leak()), "the token is never echoed: " + body);
        assertTrue(body.length() < 2000, "a short problem");
        assertEquals(0, app.chainCalls.get(), "the chain is not called");
        assertEquals(503, second.statusCode(), second.body());
        assertEquals(2, loopback.tokenCalls.get(), "nothing was near-cached: the second request asks again");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void servletFilterInContinueModePassesTheRequestOnWithoutAnyHeader(Hostile hostile) throws Exception {
        loopback.body = hostile.body();
        BusinessApp app = app(params("continue"));

        HttpResponse<String> response = app.get("/echo", "Authorization", "Basic Y2xpZW50OnNlY3JldA==");

        Map<String, String> seen = BusinessApp.echoed(response);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("null", seen.get("header"), response.body());
        assertEquals("null", seen.get("attribute"), "the raw token is not exposed either: " + response.body());
        assertFalse(response.body().contains(hostile.leak()), response.body());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void clientFilterFailsTheCallBeforeItIsSentAndNeverShowsTheToken(Hostile hostile) throws Exception {
        loopback.body = hostile.body();
        Client client = jersey(params("reject"));

        for (int i = 0; i < 2; i++) {
            ProcessingException e = assertThrows(ProcessingException.class,
                    () -> client.target(backend.url().toString()).request().get().close());
            String message = e + " / " + e.getCause();
            assertTrue(e.getCause() instanceof NoBearerTokenException, message);
            assertTrue(message.contains("No bearer token") && message.contains("must not go into a header")
                    || message.contains("non-empty string"), message);
            assertFalse(message.contains(hostile.leak()), message);
        }
        assertEquals(List.of(), backend.heads(), "nothing reached the backend");
        assertEquals(2, loopback.tokenCalls.get(), "nothing was near-cached: the second call asks again");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void clientFilterInContinueModeSendsTheCallWithoutTheHeaderAndNoInjectedLine(Hostile hostile) throws Exception {
        loopback.body = hostile.body();
        Client client = jersey(params("continue"));

        try (Response response = client.target(backend.url().toString()).request().get()) {
            assertEquals(200, response.getStatus());
        }

        List<String> raw = backend.heads();
        assertEquals(1, raw.size(), raw.toString());
        String head = raw.get(0);
        assertFalse(head.toLowerCase().contains("authorization:"), head);
        assertFalse(head.contains(hostile.leak()), head);
        assertFalse(head.contains("X-Injected") || head.contains("X-Folded"), head);
    }

    @Test
    void theCheckIsOnTheTokenWhateverTheHeaderValueTemplate() throws Exception {
        loopback.body = "{\"access_token\":\"abc\\r\\nX-Injected: 1\"}";
        Map<String, String> p = params("reject");
        p.put(HEADER_PARAM, "X-Api-Token");
        p.put(HEADER_VALUE_PARAM, "Token token=\"{token}\", realm=\"orders\"");
        BusinessApp app = app(p);
        HttpResponse<String> refused = app.get("/echo");
        assertEquals(503, refused.statusCode(), refused.body());
        assertFalse(refused.body().contains("X-Injected"), refused.body());

        loopback.body = "{\"access_token\":\"good-token==\",\"token_type\":\"bearer\"}";
        HttpResponse<String> good = app.get("/echo");
        assertEquals(200, good.statusCode(), good.body());
        assertEquals("Token token=\"good-token==\", realm=\"orders\"", BusinessApp.echoed(good).get("custom"), good.body());
    }

    @Test
    void aGoodTokenAfterAHostileOneIsUsedAndCachedAsUsual() throws Exception {
        loopback.body = "{\"access_token\":\"a\\rb\"}";
        BusinessApp app = app(params("reject"));
        assertEquals(503, app.get("/echo").statusCode());

        loopback.body = "{\"access_token\":\"fine-token\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
        HttpResponse<String> good = app.get("/echo");
        HttpResponse<String> cached = app.get("/echo");
        assertEquals("Bearer fine-token", BusinessApp.echoed(good).get("header"), good.body());
        assertEquals("Bearer fine-token", BusinessApp.echoed(cached).get("header"), cached.body());
        assertEquals(2, loopback.tokenCalls.get(), "the good token is near-cached");
    }

    @Test
    void maxTokenLengthIsAnInitParamExactlyAtItPassesOneOverIsRefused() throws Exception {
        Map<String, String> p = params("reject");
        p.put(MAX_TOKEN_LENGTH_PARAM, "16");
        p.put(LOCAL_TTL_PARAM, "0");
        BusinessApp app = app(p);
        loopback.body = "{\"access_token\":\"" + "a".repeat(14) + "==\"}";
        assertEquals(200, app.get("/echo").statusCode());
        loopback.body = "{\"access_token\":\"" + "a".repeat(17) + "\"}";
        HttpResponse<String> over = app.get("/echo");
        assertEquals(503, over.statusCode(), over.body());
        assertTrue(over.body().contains("17 characters long, over max-token-length=16"), over.body());
    }
}
