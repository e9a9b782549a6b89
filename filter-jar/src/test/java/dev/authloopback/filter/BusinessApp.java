package dev.authloopback.filter;

import jakarta.servlet.AsyncContext;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A business web app on 127.0.0.1, port 0, with {@link BearerTokenFilter} in front of:
 * {@code /echo} (answers what it saw, one {@code key=value} line each), {@code /deny} (sendError 401),
 * {@code /deny-status} (setStatus 401), {@code /deny-async} (401 from an async exchange).
 */
final class BusinessApp implements AutoCloseable {

    static final String FILTER_NAME = "bearer-token";

    final AtomicInteger chainCalls = new AtomicInteger();
    final ServletContextHandler context = new ServletContextHandler("/app");
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    BusinessApp(Map<String, String> params) throws Exception {
        this(params, Map.of());
    }

    BusinessApp(Map<String, String> params, Map<String, Object> contextAttributes) throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        contextAttributes.forEach(context::setAttribute);
        FilterHolder filter = new FilterHolder(BearerTokenFilter.class);
        filter.setName(FILTER_NAME);
        filter.setInitParameters(params);
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                chainCalls.incrementAndGet();
                List<String> values = Collections.list(req.getHeaders("authorization"));
                List<String> names = new ArrayList<>();
                for (String name : Collections.list(req.getHeaderNames())) {
                    if (name.equalsIgnoreCase("authorization")) {
                        names.add(name);
                    }
                }
                resp.setContentType("text/plain");
                resp.getWriter().write("header=" + req.getHeader("Authorization") + "\n"
                        + "headerLower=" + req.getHeader("authorization") + "\n"
                        + "headers=" + values + "\n"
                        + "names=" + names + "\n"
                        + "custom=" + req.getHeader("X-Api-Token") + "\n"
                        + "attribute=" + req.getAttribute("access_token") + "\n");
            }
        }), "/echo");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                chainCalls.incrementAndGet();
                resp.sendError(401);
            }
        }), "/deny");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                chainCalls.incrementAndGet();
                resp.setStatus(401);
                resp.getWriter().write("no");
            }
        }), "/deny-status");
        ServletHolder async = new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                chainCalls.incrementAndGet();
                AsyncContext ac = req.startAsync();
                ac.start(() -> {
                    ((HttpServletResponse) ac.getResponse()).setStatus(401);
                    ac.complete();
                });
            }
        });
        async.setAsyncSupported(true);
        context.addServlet(async, "/deny-async");
        server.setHandler(context);
        server.setStopTimeout(0);
        server.start();
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app" + path))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The echo servlet's lines as a map. */
    static Map<String, String> echoed(HttpResponse<String> response) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : response.body().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
