package dev.authloopback.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The filter registered from context-params by the jar's ServletContainerInitializer, as a web app
 * with no filter in web.xml gets it: opt-in by {@code bearer-token.url-patterns} only.
 */
class BearerTokenFilterRegistrationTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeLoopback loopback;
    private Server server;
    private ServletContextHandler context;

    @BeforeEach
    void startLoopback() throws Exception {
        loopback = new FakeLoopback();
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setStopTimeout(0);
        context = new ServletContextHandler("/app");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setContentType("text/plain");
                resp.getWriter().write("header=" + req.getHeader("Authorization"));
            }
        }), "/*");
        context.addServletContainerInitializer(new BearerTokenFilterRegistration());
        server.setHandler(context);
    }

    @AfterEach
    void stopAll() throws Exception {
        server.stop();
        loopback.close();
    }

    @Test
    void theJarAloneRegistersNothing() throws Exception {
        context.setInitParameter(BearerTokenFilterRegistration.PARAM_PREFIX + BearerTokenFilter.TOKEN_URL_PARAM, loopback.url().toString());
        server.start();

        HttpResponse<String> answer = get("/api/orders");

        assertEquals("header=null", answer.body(), "no url-patterns, no filter: " + answer.body());
        assertNull(context.getServletContext().getFilterRegistration(BearerTokenFilterRegistration.FILTER_NAME));
        assertEquals(0, loopback.tokenCalls.get(), answer.body());
    }

    @Test
    void urlPatternsParamRegistersTheFilterWithThePrefixedParams() throws Exception {
        context.setInitParameter(BearerTokenFilterRegistration.URL_PATTERNS_PARAM, "/api/*, /admin/*");
        context.setInitParameter("bearer-token.token-url", loopback.url().toString());
        context.setInitParameter("bearer-token.header-value", "Token {token}");
        server.start();

        HttpResponse<String> covered = get("/api/orders");
        HttpResponse<String> alsoCovered = get("/admin/x");
        HttpResponse<String> notCovered = get("/public/x");

        assertTrue(covered.body().startsWith("header=Token tok-"), covered.body());
        assertTrue(alsoCovered.body().startsWith("header=Token tok-"), alsoCovered.body());
        assertEquals("header=null", notCovered.body(), notCovered.body());
        assertNotNull(BearerTokenClientFilter.fromServletContext(context.getServletContext()),
                "the client filter finds the registered filter's token source");
    }

    @Test
    void failuresNameTheContextParamToChange() throws Exception {
        context.setInitParameter(BearerTokenFilterRegistration.URL_PATTERNS_PARAM, "/api/*");
        context.setInitParameter("bearer-token.token-url", loopback.url().toString());
        loopback.mode = FakeLoopback.Mode.GARBAGE;
        server.start();

        HttpResponse<String> answer = get("/api/orders");

        assertEquals(503, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("check context-param bearer-token.token-url (does it name a token endpoint?)"), answer.body());
    }

    @Test
    void badContextParamValueFailsTheStartNamingTheContextParam() {
        context.setInitParameter(BearerTokenFilterRegistration.URL_PATTERNS_PARAM, "/api/*");
        context.setInitParameter("bearer-token.on-failure", "sometimes");

        Exception e = assertThrows(Exception.class, () -> {
            server.start();
            // Jetty may keep a context whose filter failed: then its first request fails instead.
            context.getServletHandler().getFilter(BearerTokenFilterRegistration.FILTER_NAME).start();
        });

        assertTrue(messages(e).contains("bearer-token.on-failure: 'sometimes' must be reject or continue"), messages(e));
    }

    @Test
    void urlPatternsThatAreNotPatternsFailTheStart() {
        context.setInitParameter(BearerTokenFilterRegistration.URL_PATTERNS_PARAM, "api");

        Exception e = assertThrows(Exception.class, () -> server.start());

        assertTrue(messages(e).contains("bearer-token.url-patterns: 'api' must be comma-separated URL patterns"), messages(e));
    }

    @Test
    void aFilterOfTheSameNameInWebXmlAndTheParamFailTheStart() {
        FilterHolder declared = new FilterHolder(BearerTokenFilter.class);
        declared.setName(BearerTokenFilterRegistration.FILTER_NAME);
        declared.setInitParameters(Map.of(BearerTokenFilter.TOKEN_URL_PARAM, loopback.url().toString()));
        context.addFilter(declared, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.setInitParameter(BearerTokenFilterRegistration.URL_PATTERNS_PARAM, "/api/*");

        Exception e = assertThrows(Exception.class, () -> server.start());

        assertTrue(messages(e).contains("register the filter one way only"), messages(e));
        assertFalse(messages(e).isEmpty());
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = server.getURI().resolve("/app" + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
            for (Throwable s : t.getSuppressed()) {
                all.append(s).append('\n');
            }
        }
        return all.toString();
    }
}
