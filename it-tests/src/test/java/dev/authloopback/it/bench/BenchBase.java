package dev.authloopback.it.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The {@code jetty.base} both targets run: built from the shipped {@code server-config/jetty}
 * overlay exactly as docs/deploy-jetty.md says (copy the overlay, copy both WARs, set the
 * loopback's {@code upstream-url} in {@code webapps/loopback.properties}, set {@code backend-url}
 * in {@code etc/sample-app-override-web.xml}, plus the filter's {@code token-url} and {@code local-ttl} of
 * each row), plus the bench's own contexts:
 * <ul>
 *   <li>{@code /floor} on the loopback connector: {@link FloorServlet} in a web app of its own
 *       ({@code bench/floor}, deployed by {@code webapps/floor.xml});</li>
 *   <li>in every business context, the sample's {@code BearerEchoServlet} mapped a second time at
 *       {@value #PLAIN_ECHO}, a path the filter does not cover (the {@code none} row), and the
 *       filter's {@code local-ttl} set explicitly;</li>
 *   <li>two more copies of the sample business app, deployed as README says for another business
 *       app (a context XML + override descriptor each): {@code /sample-near} with
 *       {@code local-ttl=5m} (its {@code token-url} on the loopback's {@code near} profile), and
 *       {@code /sample-before} whose {@code token-url} is the slow token endpoint itself.</li>
 * </ul>
 * The standalone target starts {@code start.jar} in this directory; {@link EmbeddedBenchServer}
 * builds the same contexts from the same files programmatically.
 */
final class BenchBase {

    /**
     * Named loopback profiles the bench adds (system properties): the heap fill, the herd, and the
     * near-cache app's own profile (same upstream and settings as the default one), so the loopback
     * calls of {@code /sample-near} are counted apart from those of {@code /sample-app}.
     */
    static final String FILL_PROFILE = "fill";
    static final String HERD_PROFILE = "herd";
    static final String NEAR_PROFILE = "near";
    /** The {@code dpop} row's profile (issue 25, docs/dpop.md): {@code dpop=true}; "dpop" itself is reserved (the metadata path). */
    static final String DPOP_PROFILE = "bound";
    /** The {@code obo} row's exchange profile (issue 22) and the caller secret an owning profile requires. */
    static final String OBO_PROFILE = "obo";
    static final String OBO_CALLER_SECRET = "bench-obo-caller-secret-91c2";
    private static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    /** Where each business context maps the echo servlet outside the filter's {@code /api/*}. */
    static final String PLAIN_ECHO = "/plain/echo";
    static final String FILTERED_ECHO = "/api/echo";
    static final String COUNTS = "/counts";
    static final String FLOOR_CONTEXT = "/floor";
    static final String FLOOR_PATH = "/token";
    static final String LOOPBACK_CONTEXT = "/loopback";
    static final String CLIENT_ID = "bench-client";
    static final String CLIENT_SECRET = "bench-secret-5d1e";

    private static final String SHIPPED_UPSTREAM = "loopback.upstream-url=http://127.0.0.1:8090/token";
    private static final String SHIPPED_BACKEND = "http://127.0.0.1:8090/backend";

    /** The business web apps: the sample WAR deployed three times with different filter settings. */
    enum BusinessContext {
        /** The shipped sample-app context: filter → loopback, near cache off; also the {@code none} row. */
        SAMPLE_APP("sample-app", "0s"),
        /** Same, with the filter's near cache on. */
        SAMPLE_NEAR("sample-near", "5m"),
        /** The filter pointed straight at the slow token endpoint ("before" the loopback). */
        SAMPLE_BEFORE("sample-before", "0s"),
        /** The filter in on-behalf-of mode on the loopback's exchange profile, near cache off (issue 22). */
        SAMPLE_OBO("sample-obo", "0s"),
        /**
         * The filter in DPoP mode on the loopback's DPoP profile (issue 25), near cache off: every business
         * request signs a fresh proof and the loopback checks it on its HIT.
         */
        SAMPLE_DPOP("sample-dpop", "0s");

        final String name;
        final String localTtl;

        BusinessContext(String name, String localTtl) {
            this.name = name;
            this.localTtl = localTtl;
        }

        String contextPath() {
            return "/" + name;
        }

        /** Relative to the base, as {@code webapps/sample-app.xml} names it. */
        String overrideDescriptor() {
            return "etc/" + name + "-override-web.xml";
        }
    }

    private final Path dir;
    private final int mainPort;
    private final int loopbackPort;
    /** The {@code obo} row's known user's token, minted once per run. */
    private String userToken;

    private BenchBase(Path dir, int mainPort, int loopbackPort) {
        this.dir = dir;
        this.mainPort = mainPort;
        this.loopbackPort = loopbackPort;
    }

    String userToken() {
        return userToken;
    }

    /** Writes a fresh base into {@code dir} (which must not exist yet), on two free ports. */
    static BenchBase prepare(Path dir, BenchSettings settings, BenchTokenEndpoint tokens) throws IOException {
        BenchBase base = new BenchBase(dir, freePort(), freePort());
        base.userToken = tokens.userToken();
        base.write(settings, tokens);
        return base;
    }

    Path dir() {
        return dir;
    }

    int mainPort() {
        return mainPort;
    }

    int loopbackPort() {
        return loopbackPort;
    }

    URI loopbackUrl() {
        return URI.create("http://127.0.0.1:" + loopbackPort + LOOPBACK_CONTEXT);
    }

    URI loopbackUrl(String profile) {
        return URI.create(loopbackUrl() + "/" + profile);
    }

    URI loopbackStatsUrl() {
        return URI.create(loopbackUrl() + "/admin/stats");
    }

    URI floorUrl() {
        return URI.create("http://127.0.0.1:" + loopbackPort + FLOOR_CONTEXT + FLOOR_PATH);
    }

    URI businessUrl(BusinessContext context, String path) {
        return URI.create("http://127.0.0.1:" + mainPort + context.contextPath() + path);
    }

    /** The token request body of the sample's filter ({@code token-body} in its web.xml, resolved). */
    static String tokenBody() {
        return "grant_type=client_credentials&client_id=" + CLIENT_ID + "&client_secret=" + CLIENT_SECRET + "&scope=backend";
    }

    /**
     * System properties of the server JVM, both targets: what an operator passes for the sample app's
     * {@code token-body}, and the bench's two named loopback profiles (docs/configuration.md:
     * {@code -Dloopback.<profile>.<name>=} overrides the context's settings).
     */
    static List<String> systemProperties(BenchSettings settings, BenchTokenEndpoint tokens, URI clusterUri) {
        List<String> properties = new ArrayList<>();
        if (clusterUri != null) {
            // docs/cluster.md: every profile of the loopback gets a clustered tier.
            properties.add("-Dloopback.cluster-uri=" + clusterUri);
            // Sealed, as every cluster is (docs/cluster.md "Sealed entries"); a WAR from before issue 19 ignores it.
            properties.add("-Dloopback.cluster-key-file=" + clusterKeyFile());
            properties.add("-Dloopback.cluster-pool-size=" + BenchSettings.CLUSTER_POOL_SIZE);
        }
        properties.add("-Dsample.client-id=" + CLIENT_ID);
        properties.add("-Dsample.client-secret=" + CLIENT_SECRET);
        properties.add("-Dloopback.profiles=" + FILL_PROFILE + "," + HERD_PROFILE + "," + NEAR_PROFILE + "," + OBO_PROFILE
                + "," + DPOP_PROFILE);
        // docs/dpop.md: the dpop row's profile; its upstream answers token_type DPoP.
        properties.add("-Dloopback." + DPOP_PROFILE + ".upstream-url=" + tokens.url(BenchTokenEndpoint.Route.DPOP));
        properties.add("-Dloopback." + DPOP_PROFILE + ".dpop=true");
        // docs/on-behalf-of.md: the exchange profile of the obo row.
        String obo = "-Dloopback." + OBO_PROFILE + ".";
        properties.add(obo + "upstream-url=" + tokens.url(BenchTokenEndpoint.Route.OBO));
        properties.add(obo + "client-auth=client_secret_basic");
        properties.add(obo + "client-id=" + BenchTokenEndpoint.USER_AUDIENCE);
        properties.add(obo + "client-secret=" + CLIENT_SECRET);
        properties.add(obo + "shared-secret=" + OBO_CALLER_SECRET);
        properties.add(obo + "grant-type=" + TOKEN_EXCHANGE);
        properties.add(obo + "subject-issuer=" + BenchTokenEndpoint.issuer());
        properties.add(obo + "subject-audience=" + BenchTokenEndpoint.USER_AUDIENCE);
        properties.add(obo + "subject-jwks-url=" + tokens.jwksUrl());
        // The row's one user token lives 2 h: its entry must outlast a whole run (default 15 min).
        properties.add(obo + "max-subject-lifetime=2h");
        properties.add("-Dloopback." + FILL_PROFILE + ".upstream-url=" + tokens.url(BenchTokenEndpoint.Route.FILL));
        // Room for the largest fill and the rows' few keys: nothing is evicted while heap is measured.
        properties.add("-Dloopback." + FILL_PROFILE + ".max-entries=" + (settings.largestHeapFill() + 1000));
        // And room in the web app's byte budget (docs/operations.md "Memory"): 4 KiB per entry is well over the
        // weight of a bench entry (~1.5 KiB), never less than the default 16 MiB.
        properties.add("-Dloopback.max-cache-bytes=" + Math.max(16L << 20, (settings.largestHeapFill() + 1000) * 4096L));
        properties.add("-Dloopback." + HERD_PROFILE + ".upstream-url=" + tokens.url(BenchTokenEndpoint.Route.HERD));
        return properties;
    }

    /** A fresh cluster key for one server JVM, owner-only, gone when the bench ends. */
    private static Path clusterKeyFile() {
        try {
            Path file = Files.createTempFile("bench-cluster-", ".keys");
            file.toFile().deleteOnExit();
            return dev.authloopback.testsupport.terracotta.ClusterKeyFiles.oneKey(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void write(BenchSettings settings, BenchTokenEndpoint tokens) throws IOException {
        if (Files.exists(dir)) {
            throw new IllegalStateException(dir + " exists already; the bench writes a fresh base per run");
        }
        // docs/deploy-jetty.md, step by step.
        copyTree(settings.serverConfig(), dir);
        Files.copy(settings.loopbackWar(), dir.resolve("webapps/loopback.war"));
        Files.copy(settings.sampleWar(), dir.resolve("webapps/sample-app.war"));
        edit(dir.resolve("webapps/loopback.properties"), SHIPPED_UPSTREAM,
                "loopback.upstream-url=" + tokens.url(BenchTokenEndpoint.Route.TOKEN));
        String shippedOverride = Files.readString(dir.resolve(BusinessContext.SAMPLE_APP.overrideDescriptor()));
        String shippedContext = Files.readString(dir.resolve("webapps/sample-app.xml"));
        String shippedProperties = Files.readString(dir.resolve("webapps/sample-app.properties"));
        // The backend of the sample's /api/forward; no row calls it, but the servlet needs a URL.
        String backend = "http://127.0.0.1:" + tokens.url(BenchTokenEndpoint.Route.TOKEN).getPort() + "/backend";
        for (BusinessContext context : BusinessContext.values()) {
            URI tokenUrl = switch (context) {
                case SAMPLE_APP -> loopbackUrl();
                case SAMPLE_NEAR -> loopbackUrl(NEAR_PROFILE);
                case SAMPLE_BEFORE -> tokens.url(BenchTokenEndpoint.Route.BEFORE);
                case SAMPLE_OBO -> loopbackUrl(OBO_PROFILE);
                case SAMPLE_DPOP -> loopbackUrl(DPOP_PROFILE);
            };
            String extra = context == BusinessContext.SAMPLE_DPOP
                    ? "        <init-param><param-name>dpop</param-name><param-value>true</param-value></init-param>\n"
                    : context != BusinessContext.SAMPLE_OBO ? "" : """
                        <init-param><param-name>on-behalf-of</param-name><param-value>true</param-value></init-param>
                        <init-param><param-name>token-body</param-name><param-value>grant_type=%s</param-value></init-param>
                        <init-param><param-name>token-headers</param-name><param-value>X-Loopback-Secret: %s</param-value></init-param>
                    """.formatted(TOKEN_EXCHANGE, OBO_CALLER_SECRET);
            Files.writeString(dir.resolve(context.overrideDescriptor()),
                    override(shippedOverride, backend, tokenUrl, context.localTtl, extra), StandardCharsets.UTF_8);
            if (context != BusinessContext.SAMPLE_APP) {
                // "Copy both per business app" (README): the context XML and its properties.
                String xml = replaceOnce(shippedContext, "<Set name=\"contextPath\">/sample-app</Set>",
                        "<Set name=\"contextPath\">" + context.contextPath() + "</Set>", "webapps/sample-app.xml");
                xml = replaceOnce(xml, "/" + BusinessContext.SAMPLE_APP.overrideDescriptor(),
                        "/" + context.overrideDescriptor(), "webapps/sample-app.xml");
                Files.writeString(dir.resolve("webapps/" + context.name + ".xml"), xml, StandardCharsets.UTF_8);
                Files.writeString(dir.resolve("webapps/" + context.name + ".properties"), shippedProperties,
                        StandardCharsets.UTF_8);
            }
        }
        writeFloor(shippedProperties);
    }

    private static String override(String shipped, String backend, URI tokenUrl, String localTtl, String extra) {
        String xml = replaceOnce(shipped, SHIPPED_BACKEND, backend, "etc/sample-app-override-web.xml");
        return replaceOnce(xml, "</web-app>", """
                  <!-- bench: the token URL of this row, and the near cache set explicitly, whatever the
                       filter's defaults are -->
                  <filter>
                    <filter-name>bearer-token</filter-name>
                    <init-param>
                      <param-name>token-url</param-name>
                      <param-value>%s</param-value>
                    </init-param>
                    <init-param>
                      <param-name>local-ttl</param-name>
                      <param-value>%s</param-value>
                    </init-param>
                %s  </filter>
                  <!-- bench: the echo servlet once more, where the filter does not run (the "none" row) -->
                  <servlet>
                    <servlet-name>echo-plain</servlet-name>
                    <servlet-class>dev.authloopback.sample.BearerEchoServlet</servlet-class>
                  </servlet>
                  <servlet-mapping>
                    <servlet-name>echo-plain</servlet-name>
                    <url-pattern>%s/*</url-pattern>
                  </servlet-mapping>
                </web-app>""".formatted(tokenUrl, localTtl, extra, PLAIN_ECHO), "etc/sample-app-override-web.xml");
    }

    /** {@code bench/floor}: web.xml + FloorServlet's class file; {@code webapps/floor.xml} deploys it on @loopback. */
    private void writeFloor(String environmentProperties) throws IOException {
        Path floor = dir.resolve("bench/floor");
        String classFile = FloorServlet.class.getName().replace('.', '/') + ".class";
        Path target = floor.resolve("WEB-INF/classes").resolve(classFile);
        Files.createDirectories(target.getParent());
        try (InputStream in = FloorServlet.class.getResourceAsStream("/" + classFile)) {
            if (in == null) {
                throw new IllegalStateException("class file " + classFile + " not on the classpath");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(floor.resolve("WEB-INF/web.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0" metadata-complete="true">
                  <servlet>
                    <servlet-name>floor</servlet-name>
                    <servlet-class>%s</servlet-class>
                    <init-param><param-name>%s</param-name><param-value>%d</param-value></init-param>
                    <load-on-startup>1</load-on-startup>
                  </servlet>
                  <servlet-mapping><servlet-name>floor</servlet-name><url-pattern>%s</url-pattern></servlet-mapping>
                </web-app>
                """.formatted(FloorServlet.class.getName(), FloorServlet.BYTES_PARAM, BenchTokenEndpoint.ANSWER_BYTES,
                FLOOR_PATH), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("webapps/floor.xml"), """
                <?xml version="1.0"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <!-- bench: the floor row's bare servlet, a web app of its own on the loopback connector. -->
                <Configure class="org.eclipse.jetty.ee10.webapp.WebAppContext">
                  <Set name="contextPath">%s</Set>
                  <Set name="war"><Property name="jetty.base" default="."/>/bench/floor</Set>
                  <Set name="virtualHosts">
                    <Array type="String">
                      <Item>@loopback</Item>
                    </Array>
                  </Set>
                  <Set name="throwUnavailableOnStartupException">true</Set>
                </Configure>
                """.formatted(FLOOR_CONTEXT), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("webapps/floor.properties"), environmentProperties, StandardCharsets.UTF_8);
    }

    private static void edit(Path file, String from, String to) throws IOException {
        Files.writeString(file, replaceOnce(Files.readString(file), from, to, file.getFileName().toString()));
    }

    static String replaceOnce(String text, String target, String replacement, String where) {
        int at = text.indexOf(target);
        if (at < 0) {
            throw new IllegalStateException(where + " no longer contains '" + target
                    + "'; server-config, README and the bench must change together");
        }
        return text.substring(0, at) + replacement + text.substring(at + target.length());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
