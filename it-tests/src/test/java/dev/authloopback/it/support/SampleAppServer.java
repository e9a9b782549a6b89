package dev.authloopback.it.support;

import dev.authloopback.testsupport.http.Jetty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.ClassMatcher;

/**
 * The scenarios' business app: embedded Jetty 12 deploying the REAL {@code sample-app.war} at
 * {@code /} with its own {@code WEB-INF/web.xml} untouched, as {@link LoopbackServer} deploys
 * loopback.war. Deployment-time values are layered on top the way a Jetty
 * operator does it: an override descriptor ({@code override-web.xml}) that sets the
 * {@code BearerTokenFilter}'s {@code token-url} (and any other filter init-param) and the
 * {@code backend-url} context param. Switching "before" (the OAuth2 server) and "after" (the
 * loopback) changes only {@code token-url}.
 */
public final class SampleAppServer implements AutoCloseable {

    /** The filter's name in the sample's web.xml. */
    public static final String FILTER_NAME = "bearer-token";

    private final Server server;
    private final Path overrideDescriptor;

    private SampleAppServer(Builder builder) {
        server = Jetty.server("business-app");
        try {
            overrideDescriptor = Files.createTempFile("sample-override-web", ".xml");
            Files.writeString(overrideDescriptor, builder.overrideXml(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the override descriptor", e);
        }
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(builder.war.toString());
        webapp.addOverrideDescriptor(overrideDescriptor.toString());
        webapp.setThrowUnavailableOnStartupException(true);
        // As in LoopbackServer: the WAR's slf4j-api (via json-path) would not match the JUL provider.
        webapp.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        if (builder.testOpenTelemetry) {
            // The OpenTelemetry API from the test classpath, whose GlobalOpenTelemetry the test set to an
            // SDK: what the Java agent does for a standalone server (TracingIT).
            webapp.addProtectedClassMatcher(new ClassMatcher("io.opentelemetry."));
        }
        if (builder.hideJaxRs) {
            // A container without JAX-RS: the server classpath's API and Jersey become invisible.
            webapp.addHiddenClassMatcher(new ClassMatcher("jakarta.ws.rs.", "org.glassfish.jersey.", "org.glassfish.hk2."));
        }
        server.setHandler(webapp);
    }

    public static Builder builder() {
        return new Builder(Wars.sampleApp());
    }

    /** {@code /api/forward}: the business request that forwards to the backend. */
    public URI forwardUrl() {
        return url("/api/forward");
    }

    /** {@code /api/outbound}: the JAX-RS client call to the backend. */
    public URI outboundUrl() {
        return url("/api/outbound");
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + Jetty.port(server) + path);
    }

    @Override
    public void close() {
        try {
            Jetty.stop(server);
        } finally {
            try {
                Files.deleteIfExists(overrideDescriptor);
            } catch (IOException ignored) {
                // a temp file; the OS cleans up
            }
        }
    }

    public static final class Builder {
        private final Path war;
        private final Map<String, String> filterParams = new LinkedHashMap<>();
        private URI backendUrl;
        private boolean hideJaxRs;
        private boolean testOpenTelemetry;

        /** Traces into the test JVM's {@code GlobalOpenTelemetry} (an SDK the test registered). */
        public Builder testOpenTelemetry() {
            this.testOpenTelemetry = true;
            return this;
        }

        private Builder(Path war) {
            this.war = war;
        }

        public Builder tokenUrl(URI tokenUrl) {
            return filterParam("token-url", tokenUrl.toString());
        }

        public Builder backendUrl(URI backendUrl) {
            this.backendUrl = Objects.requireNonNull(backendUrl, "backendUrl");
            return this;
        }

        /** Any other BearerTokenFilter init-param, e.g. {@code on-failure}. */
        public Builder filterParam(String name, String value) {
            filterParams.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Deploys as on a container that offers no JAX-RS API or implementation to web apps. */
        public Builder hideJaxRs() {
            this.hideJaxRs = true;
            return this;
        }

        public SampleAppServer start() {
            Objects.requireNonNull(backendUrl, "backendUrl");
            SampleAppServer app = new SampleAppServer(this);
            try {
                app.server.start();
            } catch (Exception e) {
                app.close();
                throw new IllegalStateException("sample-app.war failed to deploy", e);
            }
            return app;
        }

        String overrideXml() {
            StringBuilder xml = new StringBuilder()
                    .append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                    .append("<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n")
                    .append("  <context-param><param-name>backend-url</param-name><param-value>")
                    .append(xmlText(backendUrl.toString())).append("</param-value></context-param>\n")
                    .append("  <filter>\n    <filter-name>").append(FILTER_NAME).append("</filter-name>\n");
            filterParams.forEach((name, value) -> xml
                    .append("    <init-param><param-name>").append(xmlText(name))
                    .append("</param-name><param-value>").append(xmlText(value)).append("</param-value></init-param>\n"));
            return xml.append("  </filter>\n</web-app>\n").toString();
        }

        private static String xmlText(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        }
    }
}
