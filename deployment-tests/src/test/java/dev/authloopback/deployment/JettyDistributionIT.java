package dev.authloopback.deployment;

import static dev.authloopback.deployment.DeploymentEnvironment.replaceOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
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
 * Standalone Jetty 12.1 (jetty-home tar.gz) with server-config/jetty applied as
 * README.md "Deploying on Jetty" says: loopback.war on the loopback-only connector,
 * the sample business app on the main connector, the pattern proof through both.
 */
class JettyDistributionIT {

    private static final DateTimeFormatter JETTY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final DeploymentEnvironment env = DeploymentEnvironment.fromSystemProperties();
    private TokenUpstream upstream;
    private RecordingBackend backend;
    private ServerProcess jetty;

    @BeforeEach
    void startUpstreamAndBackend() throws Exception {
        upstream = new TokenUpstream();
        backend = new RecordingBackend();
    }

    @AfterEach
    void stopEverything() {
        if (jetty != null) {
            jetty.close();
        }
        backend.close();
        upstream.close();
    }

    @Test
    void sampleAppGetsOneCachedTokenThroughTheLoopbackConnectorOnly() throws Exception {
        long begin = System.nanoTime();
        Path work = env.freshWorkDir("jetty");
        DeploymentEnvironment.untar(env.distDir().resolve("jetty-home.tar.gz"), work);
        Path home = work.resolve("jetty-home-" + System.getProperty("jetty-home.version"));
        Path base = Files.createDirectories(work.resolve("jetty-base"));

        // README.md, "Deploying on Jetty", step by step.
        DeploymentEnvironment.copyTree(env.serverConfigDir().resolve("jetty"), base);
        Files.copy(env.loopbackWar(), base.resolve("webapps/loopback.war"));
        Files.copy(env.sampleAppWar(), base.resolve("webapps/sample-app.war"));
        edit(base.resolve("webapps/loopback.properties"),
                "loopback.upstream-url=https://idp.example.com/oauth2/token",
                "loopback.upstream-url=" + upstream.tokenUrl());
        int mainPort = DeploymentEnvironment.freePort();
        int loopbackPort = DeploymentEnvironment.freePort();
        Path override = base.resolve("etc/sample-app-override-web.xml");
        edit(override, "http://localhost:9090/backend", backend.url().toString());
        edit(override, "http://127.0.0.1:8082/loopback", "http://127.0.0.1:" + loopbackPort + "/loopback");
        Duration configure = Duration.ofNanos(System.nanoTime() - begin);

        Path tmp = Files.createDirectories(work.resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp,
                "-Dsample.client-id=" + PatternProof.CLIENT_ID,
                "-Dsample.client-secret=" + PatternProof.CLIENT_SECRET,
                "-jar", home.resolve("start.jar").toString(),
                "jetty.http.host=127.0.0.1",
                "jetty.http.port=" + mainPort,
                "jetty.loopback.port=" + loopbackPort));
        ServerLog log = ServerLog.of(work.resolve("jetty-console.log"));
        jetty = ServerProcess.start(base, Map.of(), work.resolve("jetty-console.log"), command);
        Duration boot = jetty.awaitReady(() -> log.contains("Started oejs.Server@"), env.bootTimeout(), "Jetty");
        assertWarsDeployed(log);
        String deploy = Report.seconds("both WARs", deployTime(log));
        assertTrue(log.contains("Started loopback@") && log.lines().stream()
                        .anyMatch(line -> line.contains("Started loopback@") && line.contains("{127.0.0.1:" + loopbackPort + "}")),
                () -> "the loopback connector is not bound to 127.0.0.1:" + loopbackPort + "\n" + log.tail(40));

        assertEquals(DeploymentEnvironment.sha256(env.loopbackWar()), DeploymentEnvironment.sha256(base.resolve("webapps/loopback.war")),
                "Jetty deploys the very loopback.war the build made");
        PatternProof proof = new PatternProof("Jetty");
        URI main = URI.create("http://127.0.0.1:" + mainPort);
        URI loopback = URI.create("http://127.0.0.1:" + loopbackPort);
        proof.twoBusinessRequestsShareOneUpstreamToken(main.resolve("/sample-app/api/forward"), backend, upstream, log);
        proof.loopbackIsNotServedOnTheMainPort(main.resolve("/loopback"));
        proof.businessAppIsNotServedOnTheLoopbackPort(loopback.resolve("/sample-app/api/forward"));
        proof.slowAndStalledBodiesAreHandled(loopback.resolve("/loopback"));

        Duration stop = jetty.stop(Duration.ofSeconds(60));
        assertTrue(log.contains("Stopped oejs.Server@"), () -> "Jetty did not log a clean stop\n" + log.tail(30));
        log.assertNoErrorsAndNoStackTraceOfOurs("Jetty");
        Report.print("Jetty " + System.getProperty("jetty-home.version"), configure, boot, deploy, stop,
                Duration.ofNanos(System.nanoTime() - begin), log.warnings());
    }

    private static void assertWarsDeployed(ServerLog log) {
        for (String context : List.of("/loopback", "/sample-app")) {
            assertTrue(log.lines().stream().anyMatch(line -> line.contains("Started oeje10w.WebAppContext@")
                            && line.contains("," + context + ",") && line.contains("a=AVAILABLE")),
                    () -> "Jetty did not start " + context + "\n" + log.tail(60));
        }
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
