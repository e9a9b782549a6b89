package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.CONNECT_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.ON_FAILURE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.READ_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JAX-RS client filter on a real Jersey client call against a real backend. */
class BearerTokenClientFilterTest {

    private FakeLoopback loopback;
    private Server backend;
    private ServerConnector backendConnector;
    /** Every Authorization value set the backend received, one list per call. */
    private final List<List<String>> backendSaw = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        loopback = new FakeLoopback();
        backend = new Server();
        backendConnector = new ServerConnector(backend);
        backendConnector.setHost("127.0.0.1");
        backendConnector.setPort(0);
        backend.addConnector(backendConnector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                backendSaw.add(Collections.list(req.getHeaders("Authorization")));
                resp.setStatus(req.getRequestURI().endsWith("/denied") ? 401 : 200);
                resp.getWriter().write("ok");
            }
        }), "/api/*");
        backend.setHandler(context);
        backend.setStopTimeout(0);
        backend.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        backend.stop();
        loopback.close();
    }

    private String backendUrl(String path) {
        return "http://127.0.0.1:" + backendConnector.getLocalPort() + "/api" + path;
    }

    private Map<String, String> params() {
        Map<String, String> p = new HashMap<>();
        p.put(TOKEN_URL_PARAM, loopback.url().toString());
        p.put(TOKEN_BODY_PARAM, "grant_type=client_credentials");
        return p;
    }

    private Client jersey(BearerTokenClientFilter filter) {
        Client client = ClientBuilder.newClient().register(filter);
        toClose.add(client::close);
        toClose.add(filter);
        return client;
    }

    @Test
    void addsTheBearerHeaderReplacingACallerSuppliedOne() {
        Client client = jersey(BearerTokenClientFilter.create(params()));

        try (Response response = client.target(backendUrl("/orders")).request()
                .header("Authorization", "Basic Y2xpZW50OnNlY3JldA==").get()) {
            assertEquals(200, response.getStatus());
        }

        assertEquals(List.of(List.of("Bearer tok-1")), backendSaw);
        assertEquals("grant_type=client_credentials", loopback.lastTokenRequest().body());
    }

    @Test
    void a401EvictsOnceWithIfMatchAndIsNotRetried() {
        loopback.sameToken = true;
        Client client = jersey(BearerTokenClientFilter.create(params()));

        for (int i = 0; i < 2; i++) {
            try (Response response = client.target(backendUrl("/denied")).request().get()) {
                assertEquals(401, response.getStatus(), "the caller sees the 401");
            }
        }

        assertEquals(2, backendSaw.size(), "one backend call per client call: " + backendSaw);
        List<FakeLoopback.Recorded> deletes = loopback.deletes();
        assertEquals(1, deletes.size(), "the same refused token is evicted once: " + deletes);
        assertEquals("\"etag-1\"", deletes.get(0).header("If-Match"));
        assertEquals("grant_type=client_credentials", deletes.get(0).body());
    }

    @Test
    void fromServletContextSharesTheServletFiltersTokenSourceAndNearCache() throws Exception {
        Map<String, String> p = params();
        p.put(LOCAL_TTL_PARAM, "1h");
        BusinessApp app = new BusinessApp(p);
        toClose.add(app);
        HttpResponse<String> inbound = app.get("/echo");

        Client client = jersey(BearerTokenClientFilter.fromServletContext(app.context.getServletContext()));
        try (Response response = client.target(backendUrl("/orders")).request().get()) {
            assertEquals(200, response.getStatus());
        }
        Client byName = jersey(BearerTokenClientFilter.fromServletContext(app.context.getServletContext(), BusinessApp.FILTER_NAME));
        try (Response response = byName.target(backendUrl("/orders")).request().get()) {
            assertEquals(200, response.getStatus());
        }

        assertEquals("Bearer tok-1", BusinessApp.echoed(inbound).get("header"), inbound.body());
        assertEquals(List.of(List.of("Bearer tok-1"), List.of("Bearer tok-1")), backendSaw);
        assertEquals(1, loopback.tokenCalls.get(), "inbound and outbound share one near cache");
    }

    @Test
    void fromServletContextWithoutAnInitialisedFilterSaysWhatIsMissing() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BearerTokenClientFilter.fromServletContext(
                        BearerTokenFilterInitTest.config(Map.of(), new HashMap<>()).getServletContext()));

        assertTrue(e.getMessage().contains(BearerTokenFilter.TOKEN_SOURCE_ATTRIBUTE), e.getMessage());
    }

    @Test
    void rejectFailsTheCallBeforeItIsSentWhenNoTokenCanBeHad() throws Exception {
        Map<String, String> p = downLoopbackParams("reject");
        Client client = jersey(BearerTokenClientFilter.create(p));

        ProcessingException e = assertThrows(ProcessingException.class,
                () -> client.target(backendUrl("/orders")).request().get().close());

        assertTrue(String.valueOf(e.getMessage()).contains("No bearer token") || String.valueOf(e.getCause()).contains("No bearer token"),
                String.valueOf(e));
        assertEquals(List.of(), backendSaw, "the backend was not called");
    }

    @Test
    void continueSendsTheCallWithoutTheHeader() throws Exception {
        Client client = jersey(BearerTokenClientFilter.create(downLoopbackParams("continue")));

        try (Response response = client.target(backendUrl("/orders")).request()
                .header("Authorization", "Basic Y2xpZW50OnNlY3JldA==").get()) {
            assertEquals(200, response.getStatus());
        }

        assertEquals(List.of(List.of()), backendSaw);
    }

    @Test
    void badParamsFailCreationNamingTheParam() {
        Map<String, String> p = params();
        p.put(READ_TIMEOUT_PARAM, "forever");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BearerTokenClientFilter.create(p));

        assertTrue(e.getMessage().contains(READ_TIMEOUT_PARAM + ": 'forever'"), e.getMessage());
    }

    private Map<String, String> downLoopbackParams(String onFailure) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Map<String, String> p = params();
        p.put(TOKEN_URL_PARAM, "http://127.0.0.1:" + port + "/loopback");
        p.put(CONNECT_TIMEOUT_PARAM, "500ms");
        p.put(READ_TIMEOUT_PARAM, "500ms");
        p.put(ON_FAILURE_PARAM, onFailure);
        return p;
    }
}
