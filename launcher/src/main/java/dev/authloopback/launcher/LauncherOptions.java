package dev.authloopback.launcher;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * What the launcher was asked to do, parsed once from the command line, then the system property
 * {@value #UPSTREAM_PROPERTY}, then the environment variable {@value #UPSTREAM_ENV}.
 *
 * @param port        TCP port of the loopback connector on 127.0.0.1 (0 picks a free one)
 * @param upstreamUrl the real token endpoint; empty means "start the demo token endpoint"
 * @param clusterUri  the Terracotta server the cache is shared through ({@code --cluster-uri}); empty: heap only
 * @param help        {@code --help} was given: print {@link #USAGE} and do nothing else
 * @param standIn     {@code --stand-in}: run only the stand-in for the outside world (a demo token
 *                    endpoint and a demo backend) on {@code port}, no loopback
 */
public record LauncherOptions(int port, Optional<URI> upstreamUrl, Optional<URI> clusterUri, boolean help,
                              boolean standIn) {

    public static final int DEFAULT_PORT = 8082;
    /** The stand-in's fixed port: clear of the loopback (8082), Jetty's and WildFly's ports, and Terracotta's. */
    public static final int DEFAULT_STAND_IN_PORT = 8090;
    public static final String UPSTREAM_PROPERTY = "loopback.upstream-url";
    public static final String UPSTREAM_ENV = "LOOPBACK_UPSTREAM_URL";

    public static final String USAGE = """
            Usage: java [-Dloopback.<name>=VALUE ...] -jar loopback-launcher.jar [--port N] [--upstream-url URL]
                        [--cluster-uri URI]
                   java -jar loopback-launcher.jar --stand-in [--port N]

              --port N            port of the loopback on 127.0.0.1 (default %d; 0 = any free port)
              --upstream-url URL  the real OAuth2 token endpoint (http or https); otherwise the system
                                  property %s or the environment variable %s.
                                  With none of them, a demo token endpoint is started on 127.0.0.1.
              --cluster-uri URI   share the cache with other nodes through a Terracotta server,
                                  e.g. terracotta://127.0.0.1:9410/auth-loopback (docs/cluster.md);
                                  otherwise the system property loopback.cluster-uri.
                                  Needs the cluster's key file on every node:
                                  -Dloopback.cluster-key-file=FILE, made once with
                                  (umask 077; echo "k1 $(openssl rand -base64 32) seal" > FILE)
              --stand-in          run only the stand-in for the outside world, for the walkthroughs:
                                  a demo token endpoint http://127.0.0.1:%d/token (any client),
                                  a demo backend http://127.0.0.1:%d/backend (200 for a token the
                                  stand-in issued, 401 otherwise) and counts at /stand-in
                                  (--port moves it; docs/stand-in.md)
              --help              print this text

            Other loopback settings (ttl, expiry-skew, client-auth, ...) are read by the WAR itself
            from -Dloopback.<name>=VALUE (before -jar) or LOOPBACK_<NAME>; every setting is in
            docs/configuration.md.
            """.formatted(DEFAULT_PORT, UPSTREAM_PROPERTY, UPSTREAM_ENV, DEFAULT_STAND_IN_PORT, DEFAULT_STAND_IN_PORT);

    public LauncherOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        upstreamUrl = upstreamUrl == null ? Optional.empty() : upstreamUrl;
        clusterUri = clusterUri == null ? Optional.empty() : clusterUri;
    }

    /** Options for a programmatic start: this port, this upstream (or {@code null} for the demo). */
    public static LauncherOptions of(int port, URI upstreamUrl) {
        return new LauncherOptions(port, Optional.ofNullable(upstreamUrl), Optional.empty(), false, false);
    }

    /** The same options, sharing the cache through the Terracotta server at {@code clusterUri}. */
    public LauncherOptions withClusterUri(URI clusterUri) {
        return new LauncherOptions(port, upstreamUrl, Optional.of(clusterUri), help, standIn);
    }

    /** Parses the command line of the running JVM (its system properties and environment). */
    public static LauncherOptions parse(String... args) throws UsageException {
        return parse(args, System::getProperty, System::getenv);
    }

    /**
     * Parses {@code args}; {@code properties} and {@code environment} are consulted, in that order,
     * only when {@code --upstream-url} is absent. Blank values count as absent.
     */
    static LauncherOptions parse(String[] args, UnaryOperator<String> properties,
                                 UnaryOperator<String> environment) throws UsageException {
        Integer port = null;
        String upstream = null;
        String cluster = null;
        boolean help = false;
        boolean standIn = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String inlineValue = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                inlineValue = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--help", "-h" -> help = true;
                case "--port" -> port = parsePort(inlineValue != null ? inlineValue : valueAfter(args, i++, arg));
                case "--upstream-url" -> upstream = inlineValue != null ? inlineValue : valueAfter(args, i++, arg);
                case "--cluster-uri" -> cluster = inlineValue != null ? inlineValue : valueAfter(args, i++, arg);
                case "--stand-in" -> standIn = true;
                default -> throw new UsageException(unknown(args[i]));
            }
        }
        if (standIn && (upstream != null || cluster != null)) {
            throw new UsageException("--stand-in runs only the stand-in; start the loopback with a second command");
        }
        if (isBlank(upstream) && !standIn) {
            upstream = properties.apply(UPSTREAM_PROPERTY);
        }
        if (isBlank(upstream) && !standIn) {
            upstream = environment.apply(UPSTREAM_ENV);
        }
        Optional<URI> upstreamUrl = isBlank(upstream) ? Optional.empty() : Optional.of(parseUrl(upstream.strip()));
        Optional<URI> clusterUri = isBlank(cluster) ? Optional.empty() : Optional.of(parseClusterUri(cluster.strip()));
        int chosenPort = port != null ? port : standIn ? DEFAULT_STAND_IN_PORT : DEFAULT_PORT;
        return new LauncherOptions(chosenPort, upstreamUrl, clusterUri, help, standIn);
    }

    /** What to say about an argument we do not know; a Java option after -jar is the usual one. */
    private static String unknown(String arg) {
        if (arg.startsWith("-D") || arg.startsWith("-X")) {
            return "unknown argument '" + arg + "': Java options go before -jar, e.g. java " + arg
                    + " -jar loopback-launcher.jar";
        }
        return "unknown argument '" + arg + "'";
    }

    private static String valueAfter(String[] args, int i, String name) throws UsageException {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new UsageException(name + " needs a value");
        }
        return args[i + 1];
    }

    private static int parsePort(String value) throws UsageException {
        try {
            int port = Integer.parseInt(value.strip());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below, with the value
        }
        throw new UsageException("--port must be a number 0..65535, was '" + value + "'");
    }

    private static URI parseUrl(String value) throws UsageException {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            if (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below, with the value
        }
        throw new UsageException("upstream-url must be an absolute http or https URL, was '" + value + "'");
    }

    /** The form only; loopback.war validates the rest and names the setting when it refuses it. */
    private static URI parseClusterUri(String value) throws UsageException {
        try {
            URI uri = new URI(value);
            if ("terracotta".equals(uri.getScheme()) && uri.getRawAuthority() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below, with the value
        }
        throw new UsageException("--cluster-uri must look like terracotta://host:port/entity, was '" + value + "'");
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
