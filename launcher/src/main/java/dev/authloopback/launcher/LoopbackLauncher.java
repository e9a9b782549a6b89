package dev.authloopback.launcher;

import dev.authloopback.loopback.config.InvalidSettingsException;
import dev.authloopback.loopback.config.LoopbackConfiguration;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingsSources;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ClassMatcher;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

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
 * {@value #UPSTREAM_INIT_PARAM}; no system property is set. Before anything starts, every loopback
 * setting (system properties, environment, the upstream URL) is checked with the WAR's own rules
 * and the port is tried, so a mistake ends the launcher with one message and nothing left running.
 * Programmatic use (tests): {@link #start(LauncherOptions, PrintStream)} then {@link #stop()}.
 */
public final class LoopbackLauncher implements AutoCloseable {

    public static final String CONTEXT_PATH = "/loopback";
    public static final String UPSTREAM_INIT_PARAM = "loopback.upstream-url";
    public static final String CLUSTER_INIT_PARAM = "loopback.cluster-uri";
    /** Packages (and service files) the WAR's class loader takes only from the WAR. */
    static final String[] WAR_OWN_LIBRARIES = {"org.ehcache.", "org.terracotta.", "com.tc.", "com.terracotta.",
        "META-INF.services.org.ehcache.", "META-INF.services.org.terracotta.", "META-INF.services.com.tc.",
        "jakarta.ws.rs.", "org.glassfish.jersey.", "org.glassfish.hk2."};
    static final int EXIT_USAGE = 2;
    static final int EXIT_START_FAILED = 1;
    /** Stands in for the demo endpoint's URL (known only once it runs) while settings are checked. */
    private static final String DEMO_PLACEHOLDER_URL = "http://127.0.0.1/token";
    private static final String HOST = "127.0.0.1";

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
        if (options.standIn()) {
            runStandIn(options.port());
            return;
        }
        try {
            LoopbackLauncher launcher = start(options, System.out);
            Runtime.getRuntime().addShutdownHook(new Thread(launcher::stopQuietly, "loopback-launcher-stop"));
            System.out.println("Ctrl-C stops it.");
            launcher.server.join();
        } catch (LaunchException e) {
            System.err.println("loopback-launcher: " + e.getMessage());
            System.exit(e.exitCode());
        } catch (Exception | LinkageError e) {
            System.err.println("loopback-launcher: could not start: " + e);
            System.exit(EXIT_START_FAILED);
        }
    }

    /** {@code --stand-in}: the demo token endpoint and backend on a fixed port, until Ctrl-C. */
    private static void runStandIn(int port) {
        DemoTokenEndpoint standIn = new DemoTokenEndpoint(port, java.time.Clock.systemUTC());
        try {
            checkPortFree(port);
            standIn.start();
        } catch (LaunchException e) {
            System.err.println("loopback-launcher: " + e.getMessage());
            System.exit(e.exitCode());
            return;
        } catch (Exception e) {
            System.err.println("loopback-launcher: could not start the stand-in: " + e);
            System.exit(EXIT_START_FAILED);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                standIn.close();
            } catch (Exception e) {
                System.err.println("loopback-launcher: error while stopping the stand-in: " + e);
            }
        }, "stand-in-stop"));
        System.out.println(standInBanner(standIn));
        try {
            Thread.currentThread().join(); // until Ctrl-C; the shutdown hook stops the server
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String standInBanner(DemoTokenEndpoint standIn) {
        return "Stand-in for the outside world, on 127.0.0.1 only (Ctrl-C stops it):\n"
                + "  token endpoint  " + standIn.tokenUrl() + "   (any client id and secret; grant_type=client_credentials)\n"
                + "  backend         " + standIn.backendUrl() + " (200 for a Bearer token issued above, 401 otherwise)\n"
                + "  counts          " + standIn.countsUrl();
    }

    /**
     * Starts the loopback (and the demo token endpoint when no upstream is configured), prints
     * where it listens to {@code out}, and returns once it answers requests.
     *
     * @throws LaunchException for an invalid setting or a port that cannot be bound, before anything
     *                         started; nothing is left running
     * @throws Exception       when the WAR fails to deploy anyway; nothing is left running
     */
    public static LoopbackLauncher start(LauncherOptions options, PrintStream out) throws Exception {
        return start(options, out, systemProperties(), System.getenv());
    }

    /** As {@link #start(LauncherOptions, PrintStream)}, with the settings sources given (tests). */
    static LoopbackLauncher start(LauncherOptions options, PrintStream out, Map<String, String> systemProperties,
                                  Map<String, String> environment) throws Exception {
        LoopbackConfiguration configuration = checkSettings(options, systemProperties, environment);
        checkPortFree(options.port());
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
            WebAppContext webApp = webApp(war, upstreamUrl);
            options.clusterUri().ifPresent(uri -> webApp.setInitParameter(CLUSTER_INIT_PARAM, uri.toString()));
            server.setHandler(webApp);
            try {
                server.start();
            } catch (IOException e) {
                // Taken between checkPortFree and now (another process was quicker).
                throw isBindFailure(e) ? cannotListen(options.port(), e) : e;
            }

            LoopbackLauncher launcher = new LoopbackLauncher(server, connector, war, demo, upstreamUrl);
            launcher.printBanner(out, configuration.defaultProfile());
            return launcher;
        } catch (Exception | Error e) {
            stopAll(server, war, demo, e);
            throw e;
        }
    }

    /**
     * Every loopback setting, checked with the WAR's own rules (the same sources it will read), so
     * a bad one is reported before the demo endpoint or Jetty starts.
     */
    static LoopbackConfiguration checkSettings(LauncherOptions options, Map<String, String> systemProperties,
                                               Map<String, String> environment) throws LaunchException {
        String upstream = options.upstreamUrl().map(URI::toString).orElse(DEMO_PLACEHOLDER_URL);
        Map<String, String> initParams = new LinkedHashMap<>();
        initParams.put(UPSTREAM_INIT_PARAM, upstream);
        options.clusterUri().ifPresent(uri -> initParams.put(CLUSTER_INIT_PARAM, uri.toString()));
        // The WAR reads the same sources again when it deploys and warns there about a system
        // property it does not know; this early check stays quiet about it, so a typo is said once.
        Logger configLog = Logger.getLogger(LoopbackConfiguration.class.getName());
        Level level = configLog.getLevel();
        configLog.setLevel(Level.SEVERE);
        try {
            return LoopbackConfiguration.from(SettingsSources.of(systemProperties, environment, initParams));
        } catch (InvalidSettingsException e) {
            throw new LaunchException(e.getMessage(), EXIT_USAGE);
        } finally {
            configLog.setLevel(level);
        }
    }

    /** Binds the port once, as Jetty will (address reuse on), and lets it go again. */
    static void checkPortFree(int port) throws LaunchException {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(HOST, port));
        } catch (IOException e) {
            throw cannotListen(port, e);
        }
    }

    private static LaunchException cannotListen(int port, IOException e) {
        String reason = String.valueOf(e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                reason = String.valueOf(t.getMessage());
            }
        }
        return reason.toLowerCase().contains("in use")
                ? new LaunchException("port " + port + " on " + HOST + " is in use; choose another with --port", EXIT_START_FAILED)
                : new LaunchException("cannot listen on " + HOST + ":" + port + " (" + reason + "); choose another port with --port",
                        EXIT_START_FAILED);
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> systemProperties() {
        Map<String, String> values = new LinkedHashMap<>();
        System.getProperties().forEach((k, v) -> values.put(String.valueOf(k), String.valueOf(v)));
        return values;
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
        // The WAR brings its own Ehcache, Terracotta client, JAX-RS API and Jersey; copies on the
        // classpath of whatever starts the launcher (a test, an app embedding it) must not leak
        // in: ServiceLoader would find two ClusteringServiceFactory classes ("not a subtype"), and
        // JAX-RS's static RuntimeDelegate would keep this WAR's Jersey for every other app.
        webApp.addHiddenClassMatcher(new ClassMatcher(WAR_OWN_LIBRARIES));
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

    private void printBanner(PrintStream out, LoopbackSettings profile) {
        String system = System.getProperty(UPSTREAM_INIT_PARAM);
        if (system != null && !system.isBlank() && !system.strip().equals(upstreamUrl.toString())) {
            // The WAR ranks system properties above init-params (docs/http-contract.md).
            String value;
            try {
                value = shown(new URI(system.strip()));
            } catch (java.net.URISyntaxException e) {
                value = "(not a URL)";
            }
            out.println("Warning: system property " + UPSTREAM_INIT_PARAM + "=" + value
                    + " overrides --upstream-url inside the WAR");
        }
        out.println("Auth Loopback listening on " + loopbackUrl() + " (127.0.0.1 only), upstream " + shown(upstreamUrl));
        if (profile.clientAuth().owning()) {
            // An owning profile refuses callers' credentials (400) and wants its caller secret.
            String secret = profile.sharedSecret() == null ? ""
                    : " -H \"" + profile.sharedSecretHeader() + ": $CALLER_SECRET\"";
            out.println("Try it (the loopback authenticates as " + profile.clientAuth().clientId() + " with "
                    + profile.clientAuth().method().settingValue() + "; send no client credentials"
                    + (secret.isEmpty() ? "" : ", but the caller secret (loopback.shared-secret) in $CALLER_SECRET")
                    + "; run it twice: MISS, then HIT):");
            out.println("  curl -si -X POST " + loopbackUrl() + secret + " -d scope="
                    + (profile.clientAuth().scope() == null ? "" : profile.clientAuth().scope().replace(' ', '+')));
        } else if (demo != null) {
            out.println("Try it (run it twice: X-Loopback-Cache MISS, then HIT; the demo endpoint accepts any client):");
            out.println("  curl -si -X POST " + loopbackUrl() + " -u demo-client:demo-secret"
                    + " -d grant_type=client_credentials -d scope=demo");
        } else {
            out.println("Try it with a client registered at " + shown(upstreamUrl)
                    + " (run it twice: X-Loopback-Cache MISS, then HIT):");
            out.println("  curl -si -X POST " + loopbackUrl() + " -u YOUR_CLIENT_ID:YOUR_CLIENT_SECRET"
                    + " -d grant_type=client_credentials");
        }
    }

    /** Scheme, host, port and path: user info or a query could hold credentials. */
    static String shown(URI uri) {
        boolean masked = uri.getRawUserInfo() != null || uri.getRawQuery() != null;
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath()) + (masked ? " (user info/query masked)" : "");
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
