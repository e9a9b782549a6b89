package dev.authloopback.launcher;

import java.io.PrintStream;
import java.net.URI;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;

/**
 * Runs loopback.war with no application server installed: Jetty 12 bound to 127.0.0.1 only, the
 * WAR embedded in this jar deployed at {@value #CONTEXT_PATH}.
 *
 * <pre>
 * java -jar loopback-launcher.jar [--port 8082] [--upstream-url https://idp.example/oauth2/token]
 * </pre>
 *
 * With no upstream URL configured, a {@link DemoTokenEndpoint} is started and the loopback is
 * pointed at it. The upstream URL reaches the WAR as the context init-param
 * {@value #UPSTREAM_INIT_PARAM}; no system property is set. Programmatic use (tests):
 * {@link #start(LauncherOptions, PrintStream)} then {@link #stop()}.
 */
public final class LoopbackLauncher implements AutoCloseable {

    public static final String CONTEXT_PATH = "/loopback";
    public static final String UPSTREAM_INIT_PARAM = "loopback.upstream-url";
    static final int EXIT_USAGE = 2;
    static final int EXIT_START_FAILED = 1;

    private final Server server;
    private final ServerConnector connector;
    private final EmbeddedWar war;
    private final DemoTokenEndpoint demo;
    private final URI upstreamUrl;

    private LoopbackLauncher(Server server, ServerConnector connector, EmbeddedWar war,
                             DemoTokenEndpoint demo, URI upstreamUrl) {
        this.server = server;
        this.connector = connector;
        this.war = war;
        this.demo = demo;
        this.upstreamUrl = upstreamUrl;
    }

    public static void main(String[] args) {
        LauncherOptions options;
        try {
            options = LauncherOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("loopback-launcher: " + e.getMessage());
            System.err.println();
            System.err.print(LauncherOptions.USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        if (options.help()) {
            System.out.print(LauncherOptions.USAGE);
            return;
        }
        try {
            LoopbackLauncher launcher = start(options, System.out);
            Runtime.getRuntime().addShutdownHook(new Thread(launcher::stopQuietly, "loopback-launcher-stop"));
            System.out.println("Ctrl-C stops it.");
            launcher.server.join();
        } catch (Exception | LinkageError e) {
            System.err.println("loopback-launcher: could not start: " + e);
            System.exit(EXIT_START_FAILED);
        }
    }

    /**
     * Starts the loopback (and the demo token endpoint when no upstream is configured), prints
     * where it listens to {@code out}, and returns once it answers requests.
     *
     * @throws Exception when the port is taken or the WAR fails to deploy; nothing is left running
     */
    public static LoopbackLauncher start(LauncherOptions options, PrintStream out) throws Exception {
        DemoTokenEndpoint demo = null;
        EmbeddedWar war = null;
        Server server = null;
        try {
            URI upstreamUrl;
            if (options.upstreamUrl().isPresent()) {
                upstreamUrl = options.upstreamUrl().get();
            } else {
                demo = new DemoTokenEndpoint();
                demo.start();
                upstreamUrl = demo.tokenUrl();
                out.println("No upstream-url configured: started a demo OAuth2 token endpoint at " + upstreamUrl);
            }
            war = EmbeddedWar.extract();
            server = new Server();
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false); // no Server header: callers learn nothing about the server
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost("127.0.0.1");
            connector.setPort(options.port());
            server.addConnector(connector);
            server.setErrorHandler(new ProblemErrorHandler());
            server.setHandler(webApp(war, upstreamUrl));
            server.start();

            LoopbackLauncher launcher = new LoopbackLauncher(server, connector, war, demo, upstreamUrl);
            launcher.printBanner(out);
            return launcher;
        } catch (Exception | Error e) {
            stopAll(server, war, demo, e);
            throw e;
        }
    }

    private static WebAppContext webApp(EmbeddedWar war, URI upstreamUrl) {
        WebAppContext webApp = new WebAppContext();
        webApp.setContextPath(CONTEXT_PATH);
        webApp.setWar(war.war().toString());
        webApp.setTempDirectory(war.workDirectory().toFile());
        webApp.setInitParameter(UPSTREAM_INIT_PARAM, upstreamUrl.toString());
        // The WAR bundles slf4j-api (for Ehcache) but no provider; let it use the launcher's
        // slf4j-api and its JUL provider, so all logging ends up in one place. Without this, the
        // WAR's slf4j-api finds the launcher's provider class and rejects it ("not a subtype").
        webApp.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        // A WAR that fails to deploy (e.g. invalid settings) must fail the start, not serve 503s.
        webApp.setThrowUnavailableOnStartupException(true);
        return webApp;
    }

    /** The loopback's URL, e.g. {@code http://127.0.0.1:8082/loopback}. */
    public URI loopbackUrl() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + CONTEXT_PATH);
    }

    /** The token endpoint the loopback forwards to. */
    public URI upstreamUrl() {
        return upstreamUrl;
    }

    /** Tokens issued by the demo token endpoint; -1 when a real upstream is configured. */
    public int demoTokensIssued() {
        return demo == null ? -1 : demo.issuedTokens();
    }

    /** Stops Jetty and the demo endpoint and removes the extracted WAR. */
    public void stop() throws Exception {
        stopAll(server, war, demo, null);
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    private void stopQuietly() {
        try {
            stop();
            // Printed, not logged: JUL's own shutdown hook may already have closed its handlers.
            System.out.println("Auth Loopback stopped.");
        } catch (Exception e) {
            System.err.println("loopback-launcher: error while stopping: " + e);
        }
    }

    private void printBanner(PrintStream out) {
        String system = System.getProperty(UPSTREAM_INIT_PARAM);
        if (system != null && !system.isBlank() && !system.strip().equals(upstreamUrl.toString())) {
            // The WAR ranks system properties above init-params (docs/http-contract.md).
            out.println("Warning: system property " + UPSTREAM_INIT_PARAM + "=" + system
                    + " overrides --upstream-url inside the WAR");
        }
        out.println("Auth Loopback listening on " + loopbackUrl() + " (127.0.0.1 only), upstream " + upstreamUrl);
        out.println("Try it (run it twice: X-Loopback-Cache MISS, then HIT):");
        out.println("  curl -si -X POST " + loopbackUrl() + " -u demo-client:demo-secret"
                + " -d grant_type=client_credentials -d scope=demo");
    }

    private static void stopAll(Server server, EmbeddedWar war, DemoTokenEndpoint demo, Throwable failure) throws Exception {
        Exception first = null;
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                first = e;
            }
        }
        if (demo != null) {
            try {
                demo.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (war != null) {
            try {
                war.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            if (failure != null) {
                failure.addSuppressed(first);
            } else {
                throw first;
            }
        }
    }
}
