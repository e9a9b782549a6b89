package dev.authloopback.it.support;

import dev.authloopback.testsupport.http.Jetty;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.eclipse.jetty.util.ClassMatcher;

/**
 * Embedded Jetty 12 deploying the REAL {@code loopback.war} with {@link WebAppContext} at
 * {@code /loopback}. Settings are context init-params {@code loopback.<name>} (the contract's
 * third source); an optional {@link Clock} is set as context attribute
 * {@value #CLOCK_ATTRIBUTE} before start.
 *
 * <p>Every answer the loopback gives is recorded from Jetty's request log ({@link #exchanges()}),
 * so a test reads {@code X-Loopback-Cache} of token calls made by a business app's filter, which
 * the business app's caller never sees.
 */
public final class LoopbackServer implements AutoCloseable {

    public static final String CONTEXT_PATH = "/loopback";
    /** The loopback's clock hook (docs/http-contract.md, "Test hooks"). */
    public static final String CLOCK_ATTRIBUTE = "dev.authloopback.clock";
    /**
     * Ehcache and the Terracotta client (shaded into ehcache-clustered), classes and service files,
     * hidden from a deployed WAR when the test classpath carries them.
     */
    public static final String[] EHCACHE_AND_TERRACOTTA_CLIENT = {"org.ehcache.", "org.terracotta.", "com.tc.",
        "com.terracotta.", "META-INF.services.org.ehcache.", "META-INF.services.org.terracotta.", "META-INF.services.com.tc."};

    private final Server server;
    private final WebAppContext webapp;
    private final ServerConnector adminConnector;
    private final StatisticsHandler statistics;
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

    private LoopbackServer(Builder builder) {
        server = Jetty.server("loopback", builder.maxThreads);
        if (builder.adminConnector) {
            // What an operator adds for Prometheus (docs/operations.md): a second connector on the same
            // context; bound to 127.0.0.1 here like everything in the tests.
            adminConnector = new ServerConnector(server);
            adminConnector.setHost("127.0.0.1");
            adminConnector.setPort(0);
            adminConnector.setName("loopback-admin");
            server.addConnector(adminConnector);
        } else {
            adminConnector = null;
        }
        webapp = new WebAppContext();
        webapp.setContextPath(CONTEXT_PATH);
        webapp.setWar(builder.war.toString());
        webapp.setThrowUnavailableOnStartupException(true);
        // The WAR bundles slf4j-api (via Ehcache) while the test classpath carries the JUL provider;
        // loaded twice, the provider is "not a subtype" and the WAR's SLF4J output is lost. Taking
        // org.slf4j from the server classpath (as a standalone Jetty with its logging module does)
        // routes it to JUL, where LogCapture sees it.
        webapp.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        // The JAX-RS API and Jersey come from the WAR, as on a standalone Jetty (whose server classpath
        // has neither). The test classpath carries them for the business app's outbound client; shared
        // with the loopback, RuntimeDelegate's JVM-wide instance could be the loopback's Jersey and break
        // the business app's UriBuilder once the loopback's class loader is gone.
        webapp.addHiddenClassMatcher(new ClassMatcher("jakarta.ws.rs.", "org.glassfish.jersey.", "org.glassfish.hk2."));
        // Ehcache and its clustered client come from the WAR, as on a standalone Jetty. The test
        // classpath carries them for the ITs' own CacheManagers (TerracottaServerHarnessIT); seen by the
        // WAR, their service files name factories of the other copy ("not a subtype").
        if (builder.testOpenTelemetry) {
            // The OpenTelemetry API from the test classpath, whose GlobalOpenTelemetry the test set to an
            // SDK: what the Java agent does for a standalone server (TracingIT).
            webapp.addProtectedClassMatcher(new ClassMatcher("io.opentelemetry."));
        }
        webapp.addHiddenClassMatcher(new ClassMatcher(EHCACHE_AND_TERRACOTTA_CLIENT));
        builder.settings.forEach((name, value) -> webapp.setInitParameter("loopback." + name, value));
        if (builder.clock != null) {
            webapp.setAttribute(CLOCK_ATTRIBUTE, builder.clock);
        }
        statistics = new StatisticsHandler(webapp);
        server.setHandler(statistics);
        if (builder.recordExchanges) {
            server.setRequestLog((request, response) -> exchanges.add(new Exchange(
                    request.getMethod(), request.getHttpURI().getPath(), response.getStatus(),
                    response.getHeaders().get("X-Loopback-Cache"), response.getHeaders().get("Age"),
                    response.getHeaders().get("ETag"))));
        }
    }

    public static Builder builder() {
        return new Builder(Wars.loopback());
    }

    /** The default profile's token URL, e.g. {@code http://127.0.0.1:40123/loopback}. */
    public URI tokenUrl() {
        return URI.create("http://127.0.0.1:" + Jetty.port(server) + CONTEXT_PATH);
    }

    public URI url(String pathUnderContext) {
        return URI.create(tokenUrl() + pathUnderContext);
    }

    /** A URL on the admin connector (see {@link Builder#adminConnector()}), e.g. {@code /admin/metrics}. */
    public URI adminUrl(String pathUnderContext) {
        if (adminConnector == null) {
            throw new IllegalStateException("started without an admin connector");
        }
        return URI.create("http://127.0.0.1:" + adminConnector.getLocalPort() + CONTEXT_PATH + pathUnderContext);
    }

    /** Requests inside the loopback right now (arrived, not yet answered). */
    public int activeRequests() {
        return statistics.getRequestsActive();
    }

    /** Connections open on the loopback's connector right now (keep-alive ones included). */
    public int openConnections() {
        return ((ServerConnector) server.getConnectors()[0]).getConnectedEndPoints().size();
    }

    /** Threads of the loopback's pool busy right now. */
    public int busyThreads() {
        return Jetty.busyThreads(server);
    }

    /** Answers the loopback completed, in completion order; empty unless exchanges are recorded. */
    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /**
     * Waits (bounded) until {@code count} exchanges match: the request log runs just after the
     * answer is sent, so a caller may see its answer a moment before it is recorded.
     */
    public List<Exchange> awaitExchanges(Predicate<Exchange> which, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Exchange> matching = exchanges.stream().filter(which).toList();
            if (matching.size() >= count || System.nanoTime() > deadline) {
                return matching;
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        Jetty.stop(server);
    }

    /** One answer of the loopback as Jetty logged it. */
    public record Exchange(String method, String path, int status, String cache, String age, String etag) {
        public boolean isTokenCall() {
            return "POST".equals(method) && !path.contains("/admin");
        }
    }

    /** Raised when the WAR fails to deploy, e.g. on invalid settings; the message carries the cause's. */
    public static final class DeploymentFailed extends RuntimeException {
        DeploymentFailed(Throwable cause) {
            super("loopback.war failed to deploy: " + describe(cause), cause);
        }

        private static String describe(Throwable t) {
            StringBuilder all = new StringBuilder();
            for (Throwable c = t; c != null; c = c.getCause()) {
                all.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" | ");
            }
            return all.toString();
        }
    }

    public static final class Builder {
        private final Path war;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Clock clock;
        private boolean recordExchanges = true;
        private int maxThreads = 400;
        private boolean adminConnector;
        private boolean testOpenTelemetry;

        /** Traces into the test JVM's {@code GlobalOpenTelemetry} (an SDK the test registered). */
        public Builder testOpenTelemetry() {
            this.testOpenTelemetry = true;
            return this;
        }

        private Builder(Path war) {
            this.war = war;
        }

        /** A setting by its contract name, e.g. {@code setting("upstream-url", url)}. */
        public Builder setting(String name, Object value) {
            settings.put(Objects.requireNonNull(name, "name"), String.valueOf(value));
            return this;
        }

        public Builder upstream(URI tokenUrl) {
            return setting("upstream-url", tokenUrl);
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Whether {@link #exchanges()} records every answer (default true). The benchmark turns it off:
         * an ever-growing copy-on-write list would cost O(n) per request and look like a leak.
         */
        public Builder recordExchanges(boolean record) {
            this.recordExchanges = record;
            return this;
        }

        /** The server's thread pool size (default 400); 200 is what a standalone Jetty has. */
        public Builder maxThreads(int maxThreads) {
            this.maxThreads = maxThreads;
            return this;
        }

        /**
         * Adds a second connector serving the same context, as the admin exposure does, and sets
         * {@code token-port} to the first connector's port (unless the test set it), so token calls
         * are answered only there.
         */
        public Builder adminConnector() {
            this.adminConnector = true;
            return this;
        }

        public LoopbackServer start() {
            LoopbackServer loopback = new LoopbackServer(this);
            try {
                if (adminConnector) {
                    // Bind first, so the token connector's port is known before the WAR reads its settings.
                    for (org.eclipse.jetty.server.Connector connector : loopback.server.getConnectors()) {
                        ((ServerConnector) connector).open();
                    }
                    if (!settings.containsKey("token-port")) {
                        loopback.webapp.setInitParameter("loopback.token-port", String.valueOf(Jetty.port(loopback.server)));
                    }
                }
                loopback.server.start();
            } catch (Exception e) {
                Jetty.stop(loopback.server);
                throw new DeploymentFailed(e);
            }
            return loopback;
        }
    }
}
