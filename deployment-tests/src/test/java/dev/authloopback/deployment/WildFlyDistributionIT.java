package dev.authloopback.deployment;

import static dev.authloopback.deployment.DeploymentEnvironment.replaceOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Standalone WildFly 39 (wildfly-dist tar.gz) configured by server-config/wildfly as
 * README.md "Deploying on WildFly" says: loopback.war on its own loopback-only
 * Undertow server and listener, the sample business app on the default server; all ports moved
 * by a free port offset.
 */
class WildFlyDistributionIT {

    /** Ports of standalone.xml's socket-binding-group plus the loopback listener, before the offset. */
    private static final int[] BASE_PORTS = {8080, 8443, 8009, 9990, 9993, 4712, 4713, 8082};
    private static final DateTimeFormatter WILDFLY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final Pattern STARTED_IN = Pattern.compile("WFLYSRV0025: .* started in (\\d+)ms");

    private final DeploymentEnvironment env = DeploymentEnvironment.fromSystemProperties();
    private TokenUpstream upstream;
    private RecordingBackend backend;
    private ServerProcess wildfly;

    @BeforeEach
    void startUpstreamAndBackend() throws Exception {
        upstream = new TokenUpstream();
        backend = new RecordingBackend();
    }

    @AfterEach
    void stopEverything() {
        if (wildfly != null) {
            wildfly.close();
        }
        backend.close();
        upstream.close();
    }

    @Test
    void sampleAppGetsOneCachedTokenThroughTheLoopbackListenerOnly() throws Exception {
        long begin = System.nanoTime();
        Path work = env.freshWorkDir("wildfly");
        DeploymentEnvironment.untar(env.distDir().resolve("wildfly-dist.tar.gz"), work);
        Path home = work.resolve("wildfly-" + System.getProperty("wildfly.version"));
        Map<String, String> javaHome = Map.of("JAVA_HOME", System.getProperty("java.home"));
        int offset = freePortOffset();
        int loopbackPort = 8082 + offset;

        // README.md, "Deploying on WildFly", step by step.
        Path config = Files.createDirectories(work.resolve("loopback-config"));
        DeploymentEnvironment.copyTree(env.serverConfigDir().resolve("wildfly"), config);
        Files.copy(env.loopbackWar(), config.resolve("loopback.war"));
        edit(config.resolve("loopback.properties"),
                "loopback.upstream-url=https://idp.example.com/oauth2/token",
                "loopback.upstream-url=" + upstream.tokenUrl());
        cli(home, config, javaHome, "loopback.properties", "loopback.cli");

        // The business app, with its web.xml pointed at this server's loopback port and backend.
        Files.copy(env.sampleAppWar(), config.resolve("sample-app.war"));
        String webXml = webXmlOf(config.resolve("sample-app.war"));
        webXml = replaceOnce(webXml, "http://localhost:8082/loopback", "http://127.0.0.1:" + loopbackPort + "/loopback", "sample-app web.xml");
        webXml = replaceOnce(webXml, "http://localhost:8080/backend", backend.url().toString(), "sample-app web.xml");
        Files.writeString(config.resolve("sample-app-web.xml"), webXml);
        cli(home, config, javaHome, "business-app.properties", "business-app.cli");
        Duration configure = Duration.ofNanos(System.nanoTime() - begin);

        // The embedded CLI runs logged to server.log too; keep the real boot's log on its own.
        Path serverLog = home.resolve("standalone/log/server.log");
        Files.move(serverLog, serverLog.resolveSibling("cli-server.log"), StandardCopyOption.REPLACE_EXISTING);
        ServerLog log = ServerLog.of(serverLog);
        wildfly = ServerProcess.start(home, Map.of("JAVA_HOME", System.getProperty("java.home"), "LAUNCH_JBOSS_IN_BACKGROUND", "1"),
                work.resolve("wildfly-console.log"), List.of(home.resolve("bin/standalone.sh").toString(),
                        "-Djboss.socket.binding.port-offset=" + offset,
                        "-Dsample.client-id=" + PatternProof.CLIENT_ID,
                        "-Dsample.client-secret=" + PatternProof.CLIENT_SECRET));
        Duration boot = wildfly.awaitReady(() -> log.contains("WFLYSRV0025") || log.contains("WFLYSRV0026"),
                env.bootTimeout(), "WildFly");
        assertFalse(log.contains("WFLYSRV0026"), () -> "WildFly started with errors\n" + log.tail(80));
        for (String war : List.of("loopback.war", "sample-app.war")) {
            assertTrue(log.contains("WFLYSRV0010: Deployed \"" + war + "\""), () -> war + " not deployed\n" + log.tail(80));
        }
        assertTrue(log.contains("Registered web context: '/loopback' for server 'loopback-server'"),
                () -> "loopback.war is not on loopback-server\n" + log.tail(80));
        assertTrue(log.contains("Undertow HTTP listener loopback listening on 127.0.0.1:" + loopbackPort),
                () -> "the loopback listener is not bound to 127.0.0.1:" + loopbackPort + "\n" + log.tail(80));
        assertEquals(DeploymentEnvironment.sha256(env.loopbackWar()), DeploymentEnvironment.sha256(config.resolve("loopback.war")),
                "WildFly deploys the very loopback.war the build made");

        PatternProof proof = new PatternProof("WildFly");
        URI main = URI.create("http://127.0.0.1:" + (8080 + offset));
        URI loopback = URI.create("http://127.0.0.1:" + loopbackPort);
        proof.twoBusinessRequestsShareOneUpstreamToken(main.resolve("/sample-app/api/forward"), backend, upstream, log);
        proof.loopbackIsNotServedOnTheMainPort(main.resolve("/loopback"));
        proof.businessAppIsNotServedOnTheLoopbackPort(loopback.resolve("/sample-app/api/forward"));
        proof.slowAndStalledBodiesAreHandled(loopback.resolve("/loopback"));

        Duration stop = wildfly.stop(Duration.ofSeconds(90));
        assertTrue(log.contains("WFLYSRV0050"), () -> "WildFly did not log a clean stop\n" + log.tail(30));
        log.assertNoErrorsAndNoStackTraceOfOurs("WildFly");
        Report.print("WildFly " + System.getProperty("wildfly.version") + " (boot by its own count: " + startedInMillis(log) + " ms)",
                configure, boot,
                Report.seconds("loopback.war", deployTime(log, "loopback.war", "/loopback"))
                        + ", " + Report.seconds("sample-app.war", deployTime(log, "sample-app.war", "/sample-app"))
                        + " (in parallel)",
                stop, Duration.ofNanos(System.nanoTime() - begin), log.warnings());
    }

    private void cli(Path home, Path config, Map<String, String> env, String properties, String script) {
        Processes.run(config, env, Duration.ofMinutes(3), List.of(home.resolve("bin/jboss-cli.sh").toString(),
                "--resolve-parameter-values", "--properties=" + properties, "--file=" + script));
    }

    private static String webXmlOf(Path war) throws Exception {
        try (ZipFile zip = new ZipFile(war.toFile()); InputStream in = zip.getInputStream(zip.getEntry("WEB-INF/web.xml"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A port offset at which every port the server will bind is free on 127.0.0.1. */
    private static int freePortOffset() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(100, 300) * 100;
            if (IntStream.of(BASE_PORTS).allMatch(port -> DeploymentEnvironment.isFree(port + offset))) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port offset found");
    }

    private static String startedInMillis(ServerLog log) {
        return log.lines().stream().map(STARTED_IN::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst().orElse("?");
    }

    /** "Starting deployment of" to "Registered web context", from WildFly's own log times. */
    private static Duration deployTime(ServerLog log, String war, String context) {
        LocalDateTime start = null;
        LocalDateTime registered = null;
        for (String line : log.lines()) {
            if (line.contains("WFLYSRV0027: Starting deployment of \"" + war + "\"")) {
                start = LocalDateTime.parse(line.substring(0, 23), WILDFLY_TIME);
            } else if (line.contains("Registered web context: '" + context + "'")) {
                registered = LocalDateTime.parse(line.substring(0, 23), WILDFLY_TIME);
            }
        }
        return start == null || registered == null ? Duration.ZERO : Duration.between(start, registered);
    }

    private static void edit(Path file, String from, String to) throws Exception {
        Files.writeString(file, replaceOnce(Files.readString(file), from, to, file.toString()));
    }
}
