package dev.authloopback.loopback.support;

import dev.authloopback.loopback.web.CallerAllowListFilter;
import dev.authloopback.loopback.web.LoopbackApplication;
import dev.authloopback.loopback.web.LoopbackContextListener;
import dev.authloopback.loopback.web.RequestBodyFilter;
import dev.authloopback.loopback.web.TokenServlet;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.glassfish.jersey.servlet.ServletContainer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;

/**
 * The loopback's listener, filters, token servlet and Jersey (admin) servlet, wired as web.xml wires
 * them, on embedded Jetty
 * bound to 127.0.0.1 with a free port. Settings arrive as context init-params.
 */
public final class LoopbackTestServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ServletContextHandler context;
    private final StatisticsHandler statistics;

    public LoopbackTestServer(Map<String, String> settings, Clock clock) throws Exception {
        this(settings, clock, "127.0.0.1");
    }

    public LoopbackTestServer(Map<String, String> settings, Clock clock, String host) throws Exception {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(0);
        server.addConnector(connector);
        context = new ServletContextHandler("/loopback");
        // As WEB-INF/jetty-ee10-web.xml does for the real WAR: no redirect from /loopback to /loopback/.
        context.setAllowNullPathInContext(true);
        settings.forEach((k, v) -> context.setInitParameter("loopback." + k, v));
        if (clock != null) {
            context.setAttribute(LoopbackContextListener.CLOCK_ATTRIBUTE, clock);
        }
        context.addEventListener(new LoopbackContextListener());
        FilterHolder allowList = new FilterHolder(new CallerAllowListFilter());
        allowList.setAsyncSupported(true);
        context.addFilter(allowList, "/*", EnumSet.of(DispatcherType.REQUEST));
        FilterHolder body = new FilterHolder(new RequestBodyFilter());
        body.setAsyncSupported(true);
        context.addFilter(body, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder token = new ServletHolder(new TokenServlet());
        token.setInitOrder(1);
        token.setAsyncSupported(true);
        context.addServlet(token, "/*");
        ServletHolder logout = new ServletHolder(new dev.authloopback.loopback.web.BackChannelLogoutServlet());
        logout.setAsyncSupported(true);
        context.addServlet(logout, "/backchannel-logout/*");
        ServletHolder jersey = new ServletHolder(new ServletContainer());
        jersey.setInitParameter("jakarta.ws.rs.Application", LoopbackApplication.class.getName());
        jersey.setInitOrder(2);
        jersey.setAsyncSupported(true);
        context.addServlet(jersey, "/admin/*");
        statistics = new StatisticsHandler(context);
        server.setHandler(statistics);
        server.start();
    }

    public URI uri(String path) {
        return URI.create("http://" + connector.getHost() + ":" + connector.getLocalPort() + "/loopback" + path);
    }

    public HttpResponse<String> post(String path, String contentType, String body, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Requests inside the loopback right now: arrived (headers read), not yet answered. */
    public int activeRequests() {
        return statistics.getRequestsActive();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
