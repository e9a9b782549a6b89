package dev.authloopback.deployment;

import static dev.authloopback.deployment.DeploymentEnvironment.replaceOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Standalone Jetty 12.1 (jetty-home tar.gz) with server-config/jetty applied as README.md
 * "Deploying on Jetty" says: loopback.war on the loopback-only connector, moved off 8082 with the
 * README's one option; three business apps on the main connector (web.xml filter, annotations only,
 * Jakarta REST with Jersey), all getting the token through the moved port; with the admin connector
 * of docs/operations.md, the admin views are scraped there and the token API is not.
 */
class JettyDistributionIT {

    private static final DateTimeFormatter JETTY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static final List<String> BUSINESS_CONTEXTS = List.of("/sample-app", "/sample-annotated-app", "/sample-rest-app");

    private final DeploymentEnvironment env = DeploymentEnvironment.fromSystemProperties();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private OAuth2Upstream upstream;
    private RecordingBackend backend;
    private ServerProcess jetty;
    private OtlpReceiver traces;

    @BeforeEach
    void startUpstreamAndBackend() throws Exception {
        upstream = new OAuth2Upstream();
        backend = RecordingBackend.start();
    }

    @AfterEach
    void stopEverything() {
        if (jetty != null) {
            jetty.close();
        }
        if (traces != null) {
            traces.close();
        }
        backend.close();
        upstream.close();
    }

    @Test
    void businessAppsOfEveryKindGetOneCachedTokenThroughTheMovedLoopbackConnectorOnly() throws Exception {
        long begin = System.nanoTime();
        Path work = env.freshWorkDir("jetty");
        Path home = unpackJettyHome(work);
        Path base = Files.createDirectories(work.resolve("jetty-base"));

        // README.md, "Deploying on Jetty", step by step.
        DeploymentEnvironment.copyTree(env.serverConfigDir().resolve("jetty"), base);
        Files.copy(env.loopbackWar(), base.resolve("webapps/loopback.war"));
        Files.copy(env.sampleAppWar(), base.resolve("webapps/sample-app.war"));
        Files.copy(env.war("sample-annotated-app.war"), base.resolve("webapps/sample-annotated-app.war"));
        Files.copy(env.war("sample-rest-app-jersey.war"), base.resolve("webapps/sample-rest-app.war"));
        edit(base.resolve("webapps/loopback.properties"),
                "loopback.upstream-url=http://127.0.0.1:8090/token",
                "loopback.upstream-url=" + upstream.tokenUrl());
        edit(base.resolve("etc/sample-app-override-web.xml"), "http://127.0.0.1:8090/backend", backend.url().toString());
        Duration configure = Duration.ofNanos(System.nanoTime() - begin);

        // README.md, "Moving the loopback port": one system property moves the connector and every
        // business app's token-url; nothing else is edited (the WARs' token-url read it).
        int mainPort = DeploymentEnvironment.freePort();
        int loopbackPort = DeploymentEnvironment.freePort();
        int adminPort = DeploymentEnvironment.freePort();
        ServerLog log = ServerLog.of(work.resolve("jetty-console.log"));
        // docs/tracing.md: the OpenTelemetry Java agent, exporting to the test's OTLP receiver.
        traces = OtlpReceiver.start();
        List<String> jvmOptions = new ArrayList<>(List.of("-Dauth-loopback.port=" + loopbackPort));
        jvmOptions.addAll(traces.agentOptions(env.distDir().resolve("opentelemetry-javaagent.jar"), "jetty-loopback"));
        // docs/operations.md: the admin connector for Prometheus, bound to 127.0.0.1 here.
        jetty = start(home, base, work, jvmOptions, mainPort,
                List.of("jetty.loopback.admin.host=127.0.0.1", "jetty.loopback.admin.port=" + adminPort,
                        "--module=loopback-admin-connector"));
        Duration boot = jetty.awaitReady(() -> log.contains("Started oejs.Server@"), env.bootTimeout(), "Jetty");
        for (String context : List.of("/loopback", "/sample-app", "/sample-annotated-app", "/sample-rest-app")) {
            assertContextAvailable(log, context);
        }
        String deploy = Report.seconds("four WARs", deployTime(log));
        assertTrue(log.lines().stream().anyMatch(line -> line.contains("Started loopback@") && line.contains("{127.0.0.1:" + loopbackPort + "}")),
                () -> "the loopback connector is not bound to 127.0.0.1:" + loopbackPort + "\n" + log.tail(40));
        assertEquals(DeploymentEnvironment.sha256(env.loopbackWar()), DeploymentEnvironment.sha256(base.resolve("webapps/loopback.war")),
                "Jetty deploys the very loopback.war the build made");

        ServerProof proof = new ServerProof("Jetty");
        URI main = URI.create("http://127.0.0.1:" + mainPort);
        URI loopback = URI.create("http://127.0.0.1:" + loopbackPort);
        proof.twoBusinessRequestsShareOneUpstreamToken(main.resolve("/sample-app/api/forward"), backend, upstream, log);
        AdoptedBusinessApps adopted = new AdoptedBusinessApps("Jetty");
        assertNull(adopted.inboundAndOutboundCarryTheToken(main.resolve("/sample-annotated-app/api/orders"), backend));
        String jaxrs = adopted.inboundAndOutboundCarryTheToken(main.resolve("/sample-rest-app/api/orders"), backend);
        assertTrue(jaxrs.startsWith("org.glassfish.jersey."), "Jetty: Jersey from WEB-INF/lib serves the REST app, not " + jaxrs);
        assertEquals(1, upstream.tokenRequests(), "Jetty: three business apps, one token from the OAuth2 server");
        TraceProof traced = new TraceProof("Jetty", traces);
        traced.coldBusinessRequestIsOneTrace();
        traced.hitHasNoUpstreamSpan();
        proof.loopbackProblemsShareTheFiltersNamespace(loopback.resolve("/loopback"));
        proof.loopbackIsNotServedOnTheMainPort(main.resolve("/loopback"));
        for (String context : BUSINESS_CONTEXTS) {
            proof.businessAppIsNotServedOnTheLoopbackPort(loopback.resolve(context + "/api/orders"));
        }

        OperatorProof operator = new OperatorProof("Jetty");
        URI admin = URI.create("http://127.0.0.1:" + adminPort);
        operator.adminViewsAreScrapedOnTheAdminPort(admin);
        operator.tokenApiIsRefusedOnTheAdminPort(admin);
        operator.ehcacheLogReachesTheServerLog(log);
        // After the operator's exact counts: this adds a MISS of its own.
        proof.slowAndStalledBodiesAreHandled(loopback.resolve("/loopback"));
        traced.concurrentCallersLinkToTheFetchTheyShared(loopback.resolve("/loopback"), upstream, 5);
        upstream.close();
        operator.healthIsDownWithinTwoRefusedConnections(loopback, admin);
        traced.upstreamFailureIsAnErrorWithTheProblemType();
        traced.noSecretInAnySpan(backend);

        Duration stop = jetty.stop(Duration.ofSeconds(60));
        assertTrue(log.contains("Stopped oejs.Server@"), () -> "Jetty did not log a clean stop\n" + log.tail(30));
        log.assertNoErrorsAndNoStackTraceOfOurs("Jetty");
        Report.print("Jetty " + System.getProperty("jetty-home.version"), configure, boot, deploy, stop,
                Duration.ofNanos(System.nanoTime() - begin), log.warnings());
    }

    @Test
    void aBusinessAppThatFailsToStartFailsAloneNotTheServerOrTheLoopback() throws Exception {
        Path work = env.freshWorkDir("jetty-broken-app");
        Path home = unpackJettyHome(work);
        Path base = Files.createDirectories(work.resolve("jetty-base"));
        DeploymentEnvironment.copyTree(env.serverConfigDir().resolve("jetty"), base);
        for (String unused : List.of("sample-app", "sample-rest-app")) {
            Files.delete(base.resolve("webapps/" + unused + ".xml"));
            Files.delete(base.resolve("webapps/" + unused + ".properties")); // Jetty 12.1 deploys a lone .properties too
        }
        Files.copy(env.loopbackWar(), base.resolve("webapps/loopback.war"));
        Files.copy(env.war("sample-annotated-app.war"), base.resolve("webapps/sample-annotated-app.war"));
        edit(base.resolve("webapps/loopback.properties"),
                "loopback.upstream-url=http://127.0.0.1:8090/token",
                "loopback.upstream-url=" + upstream.tokenUrl());
        // A copy of a business app, deployed the shipped way, with one bad filter setting.
        Files.copy(env.war("sample-annotated-app.war"), base.resolve("webapps/broken-app.war"));
        String context = Files.readString(base.resolve("webapps/sample-annotated-app.xml"))
                .replace("/sample-annotated-app", "/broken-app");
        context = replaceOnce(context, "  <Set name=\"virtualHosts\">",
                "  <Call name=\"setInitParameter\"><Arg>bearer-token.on-failure</Arg><Arg>sometimes</Arg></Call>\n"
                        + "  <Set name=\"virtualHosts\">", "sample-annotated-app.xml");
        Files.writeString(base.resolve("webapps/broken-app.xml"), context);
        Files.copy(base.resolve("webapps/sample-annotated-app.properties"), base.resolve("webapps/broken-app.properties"));

        int mainPort = DeploymentEnvironment.freePort();
        int loopbackPort = DeploymentEnvironment.freePort();
        ServerLog log = ServerLog.of(work.resolve("jetty-console.log"));
        jetty = start(home, base, work, List.of("-Dauth-loopback.port=" + loopbackPort), mainPort, List.of());
        jetty.awaitReady(() -> log.contains("Started oejs.Server@"), env.bootTimeout(), "Jetty with a broken business app");

        URI main = URI.create("http://127.0.0.1:" + mainPort);
        HttpResponse<String> broken = get(main.resolve("/broken-app/api/orders"));
        assertEquals(503, broken.statusCode(), () -> "the broken app is unavailable: " + broken.statusCode() + " " + broken.body());
        assertTrue(log.contains("bearer-token.on-failure: 'sometimes' must be reject or continue"),
                () -> "the log names the bad context-param\n" + log.tail(60));
        assertContextAvailable(log, "/loopback");
        assertContextAvailable(log, "/sample-annotated-app");
        new AdoptedBusinessApps("Jetty beside a broken app")
                .inboundAndOutboundCarryTheToken(main.resolve("/sample-annotated-app/api/orders"), backend);
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + loopbackPort + "/loopback"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=other&client_id="
                        + ServerProof.CLIENT_ID + "&client_secret=" + ServerProof.CLIENT_SECRET))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, token.statusCode(), () -> "the loopback serves beside the broken app: " + token.body());
        jetty.stop(Duration.ofSeconds(60));
    }

    private Path unpackJettyHome(Path work) {
        DeploymentEnvironment.untar(env.distDir().resolve("jetty-home.tar.gz"), work);
        return work.resolve("jetty-home-" + System.getProperty("jetty-home.version"));
    }

    /** README's start command, with the sample apps' system properties and the given JVM options. */
    private ServerProcess start(Path home, Path base, Path work, List<String> jvmOptions, int mainPort,
                                List<String> startArgs) throws Exception {
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp,
                "-Dsample.client-id=" + ServerProof.CLIENT_ID,
                "-Dsample.client-secret=" + ServerProof.CLIENT_SECRET,
                "-Dsample.backend-url=" + backend.url()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", home.resolve("start.jar").toString(),
                "jetty.http.host=127.0.0.1",
                "jetty.http.port=" + mainPort));
        command.addAll(startArgs);
        return ServerProcess.start(base, Map.of(), work.resolve("jetty-console.log"), command);
    }

    private HttpResponse<String> get(URI url) throws Exception {
        return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertContextAvailable(ServerLog log, String context) {
        assertTrue(log.lines().stream().anyMatch(line -> line.contains("Started oeje10w.WebAppContext@")
                        && line.contains("," + context + ",") && line.contains("a=AVAILABLE")),
                () -> "Jetty did not start " + context + "\n" + log.tail(60));
    }

    /** From the deployment scanner's start to the last web app started, from Jetty's own log times. */
    private static Duration deployTime(ServerLog log) {
        LocalDateTime scan = null;
        LocalDateTime lastStarted = null;
        for (String line : log.lines()) {
            if (line.contains("oejd.DeploymentScanner") && scan == null) {
                scan = time(line);
            } else if (line.contains("Started oeje10w.WebAppContext@")) {
                lastStarted = time(line);
            }
        }
        return scan == null || lastStarted == null ? Duration.ZERO : Duration.between(scan, lastStarted);
    }

    private static LocalDateTime time(String line) {
        return LocalDateTime.parse(line.substring(0, 23), JETTY_TIME);
    }

    private static void edit(Path file, String from, String to) throws Exception {
        Files.writeString(file, replaceOnce(Files.readString(file), from, to, file.toString()));
    }
}
