package dev.authloopback.deployment;

import static dev.authloopback.deployment.DeploymentEnvironment.replaceOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.testsupport.Processes;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 on real servers: one unchanged loopback.war on a standalone Jetty 12.1 base AND on a
 * standalone WildFly 39, both running at once, each configured the way README.md tells operators
 * (Jetty: {@code webapps/loopback.properties} feeding {@code webapps/loopback.xml}; WildFly:
 * {@code /system-property} lines in {@code loopback.cli}) plus {@code cluster-uri} naming one real
 * Terracotta server started from the ehcache-clustered kit. A token fetched through one server's
 * loopback is a HIT through the other's, one upstream call per key; with the Terracotta server killed
 * both keep answering from their own heap and say DEGRADED ({@code cluster_unreachable}); started
 * again, they share again without a redeploy.
 */
class ClusteredDeploymentIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CACHE = "X-Loopback-Cache";
    /** Small server-side pools: the test server's offheap resource is 64 MB. */
    private static final String POOL_SIZE = "8MiB";
    private static final Duration DEGRADED_WITHIN = Duration.ofSeconds(30);
    private static final Duration SHARING_AGAIN_WITHIN = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DeploymentEnvironment env = DeploymentEnvironment.fromSystemProperties();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void aTokenFetchedThroughJettyIsAHitThroughWildFlyAndTheOtherWayRoundSurvivingTheTerracottaServersDeath() throws Exception {
        long begin = System.nanoTime();
        TerracottaServer terracotta = TerracottaServer.fromKit().start();
        resources.add(terracotta);
        OAuth2Upstream upstream = new OAuth2Upstream();
        resources.add(upstream);
        URI clusterUri = terracotta.uri("auth-loopback");
        // docs/cluster.md: one key file, copied to every node (here both read the same one).
        Path keyFile = ClusterKeyFiles.oneKey(terracotta.directory().resolve("cluster.keys"));

        int jettyMainPort = DeploymentEnvironment.freePort();
        int jettyLoopbackPort = DeploymentEnvironment.freePort();
        int wildflyLoopbackPort = DeploymentEnvironment.freePort();
        int offset = WildFlyDistributionIT.freePortOffset(jettyMainPort, jettyLoopbackPort, wildflyLoopbackPort);

        long configureBegin = System.nanoTime();
        Path jettyWork = env.freshWorkDir("clustered-jetty");
        Path jettyHome = configureJetty(jettyWork, upstream, clusterUri, keyFile);
        Path wildflyWork = env.freshWorkDir("clustered-wildfly");
        Path wildflyHome = configureWildFly(wildflyWork, upstream, clusterUri, keyFile);
        Duration configure = Duration.ofNanos(System.nanoTime() - configureBegin);

        // Both at once, as two nodes of one fleet.
        Path jettyConsole = jettyWork.resolve("jetty-console.log");
        ServerLog jettyLog = ServerLog.of(jettyConsole);
        ServerProcess jetty = ServerProcess.start(jettyWork.resolve("jetty-base"), Map.of(), jettyConsole, List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + Files.createDirectories(jettyWork.resolve("tmp")),
                "-Dauth-loopback.port=" + jettyLoopbackPort,
                "-jar", jettyHome.resolve("start.jar").toString(),
                "jetty.http.host=127.0.0.1", "jetty.http.port=" + jettyMainPort));
        resources.add(jetty);
        ServerLog wildflyLog = ServerLog.of(wildflyHome.resolve("standalone/log/server.log"));
        ServerProcess wildfly = ServerProcess.start(wildflyHome,
                Map.of("JAVA_HOME", System.getProperty("java.home"), "LAUNCH_JBOSS_IN_BACKGROUND", "1"),
                wildflyWork.resolve("wildfly-console.log"), List.of(wildflyHome.resolve("bin/standalone.sh").toString(),
                        "-Dauth-loopback.port=" + wildflyLoopbackPort,
                        "-Djboss.socket.binding.port-offset=" + offset));
        resources.add(wildfly);
        Duration jettyBoot = jetty.awaitReady(() -> jettyLog.contains("Started oejs.Server@"), env.bootTimeout(), "clustered Jetty");
        Duration wildflyBoot = wildfly.awaitReady(() -> wildflyLog.contains("WFLYSRV0025") || wildflyLog.contains("WFLYSRV0026"),
                env.bootTimeout(), "clustered WildFly");
        assertFalse(wildflyLog.contains("WFLYSRV0026"), () -> "WildFly started with errors\n" + wildflyLog.tail(80));
        assertTrue(wildflyLog.contains("WFLYSRV0010: Deployed \"loopback.war\""), () -> "loopback.war not deployed\n" + wildflyLog.tail(80));
        assertTrue(jettyLog.lines().stream().anyMatch(line -> line.contains("Started oeje10w.WebAppContext@")
                && line.contains(",/loopback,") && line.contains("a=AVAILABLE")), () -> "Jetty did not start /loopback\n" + jettyLog.tail(60));
        for (ServerLog log : List.of(jettyLog, wildflyLog)) {
            assertTrue(log.contains("cluster tier connected: " + clusterUri),
                    () -> "the loopback did not connect to " + clusterUri + "\n" + log.tail(60));
        }

        Node onJetty = new Node("Jetty", URI.create("http://127.0.0.1:" + jettyLoopbackPort + "/loopback"));
        Node onWildFly = new Node("WildFly", URI.create("http://127.0.0.1:" + wildflyLoopbackPort + "/loopback"));
        for (Node node : List.of(onJetty, onWildFly)) {
            JsonNode health = node.health();
            JsonNode tier = health.path("profiles").path("default").path("checks").path("cache-tier");
            assertEquals("UP", health.path("status").asText(), () -> node + ": health " + health);
            assertEquals("UP", tier.path("status").asText(), () -> node + ": health " + health);
            assertTrue(tier.path("detail").asText().startsWith("clustered (" + clusterUri + ")"), () -> node + ": health " + health);
            String metrics = node.metrics();
            assertTrue(metrics.contains("\nloopback_cluster_connected 1.0\n"), () -> node + ": metrics\n" + metrics);
        }

        // One key through Jetty, then the same request through WildFly; a second key the other way round.
        long shareBegin = System.nanoTime();
        oneUpstreamCallForBothServers(onJetty, onWildFly, "jetty-first", upstream);
        oneUpstreamCallForBothServers(onWildFly, onJetty, "wildfly-first", upstream);
        assertEquals(2, upstream.tokenRequests(), "two keys, two upstream calls for both servers");
        Duration sharing = Duration.ofNanos(System.nanoTime() - shareBegin);
        // Nothing went wrong on either server up to here: no ERROR/SEVERE from Terracotta's client either.
        jettyLog.assertNoErrorsAndNoStackTraceOfOurs("clustered Jetty");
        wildflyLog.assertNoErrorsAndNoStackTraceOfOurs("clustered WildFly");

        // The Terracotta server dies (SIGKILL): both servers still answer, from their own heap.
        long killedAt = System.nanoTime();
        terracotta.kill();
        List<String> outage = new ArrayList<>();
        int calls = upstream.tokenRequests();
        for (Node node : List.of(onJetty, onWildFly)) {
            long sent = System.nanoTime();
            HttpResponse<String> answer = node.token("outage-" + node.name());
            long millis = Duration.ofNanos(System.nanoTime() - sent).toMillis();
            assertEquals(200, answer.statusCode(), () -> node + " with the Terracotta server dead: " + describe(answer));
            assertTrue(accessToken(answer).length() > 0, () -> node + ": " + describe(answer));
            outage.add(node + " new key with the server dead: " + answer.headers().firstValue(CACHE).orElse("-") + " in " + millis + " ms");
        }
        assertEquals(calls + 2, upstream.tokenRequests(), "each server fetched its own new key once while the cluster is down");
        for (Node node : List.of(onJetty, onWildFly)) {
            JsonNode degraded = node.awaitHealth(h -> "DEGRADED".equals(h.path("status").asText()), DEGRADED_WITHIN, "DEGRADED");
            JsonNode tier = degraded.path("profiles").path("default").path("checks").path("cache-tier");
            assertEquals("cluster_unreachable", tier.path("reason").asText(), () -> node + ": health " + degraded);
            assertTrue(degraded.path("reasons").toString().contains("cluster_unreachable"), () -> node + ": health " + degraded);
            outage.add(node + " DEGRADED " + Duration.ofNanos(System.nanoTime() - killedAt).toMillis() + " ms after the kill: "
                    + degraded.path("reasons"));
            String metrics = node.metrics();
            assertTrue(metrics.contains("\nloopback_cluster_connected 0.0\n"), () -> node + ": metrics\n" + metrics);
            // Known outage: answered from this node's heap, no cluster timeout on the way.
            HttpResponse<String> again = node.token("outage-" + node.name());
            assertEquals("HIT", again.headers().firstValue(CACHE).orElse(null), () -> node + " during the outage: " + describe(again));
        }
        for (ServerLog log : List.of(jettyLog, wildflyLog)) {
            assertTrue(log.contains("cluster tier unreachable ("), () -> "the outage is not logged\n" + log.tail(60));
        }

        // Started again (empty, on the same port): both servers rebuild their clustered tier and share
        // again. Awaited in their logs, not by polling health: health counts the clustered entries, an
        // iteration on the server that a just-restarted server may not answer within cluster-read-timeout.
        long restartAt = System.nanoTime();
        terracotta.restart();
        for (ServerLog log : List.of(jettyLog, wildflyLog)) {
            awaitLine(log, "cluster tier connected again: " + clusterUri, SHARING_AGAIN_WITHIN);
        }
        outage.add("both connected again " + Duration.ofNanos(System.nanoTime() - restartAt).toMillis() + " ms after the restart");
        oneUpstreamCallForBothServers(onJetty, onWildFly, "after-restart", upstream);
        for (Node node : List.of(onJetty, onWildFly)) {
            JsonNode up = node.awaitHealth(h -> "UP".equals(h.path("status").asText()), SHARING_AGAIN_WITHIN, "UP again");
            assertTrue(up.path("profiles").path("default").path("checks").path("cache-tier").path("detail").asText()
                    .startsWith("clustered (" + clusterUri + ")"), () -> node + ": health " + up);
        }

        Duration jettyStop = jetty.stop(Duration.ofSeconds(60));
        Duration wildflyStop = wildfly.stop(Duration.ofSeconds(90));
        System.out.print(String.format("%n=== Clustered deployment test: Jetty %s + WildFly %s + Terracotta (ehcache-clustered kit) ===%n",
                System.getProperty("jetty-home.version"), System.getProperty("wildfly.version"))
                + String.format("  Terracotta server ready for work:   %6.1f s%n", terracotta.startedIn().toMillis() / 1000.0)
                + String.format("  configure both servers:             %6.1f s%n", configure.toMillis() / 1000.0)
                + String.format("  boot to ready, Jetty / WildFly:     %6.1f s / %.1f s (started together)%n",
                        jettyBoot.toMillis() / 1000.0, wildflyBoot.toMillis() / 1000.0)
                + String.format("  two keys shared across the servers: %6.1f s%n", sharing.toMillis() / 1000.0)
                + "  outage: " + String.join("\n          ", outage) + "\n"
                + String.format("  stop Jetty / WildFly:               %6.1f s / %.1f s%n", jettyStop.toMillis() / 1000.0,
                        wildflyStop.toMillis() / 1000.0)
                + String.format("  whole test:                         %6.1f s%n", (System.nanoTime() - begin) / 1e9)
                + "  cluster lines logged:\n" + clusterLines("Jetty", jettyLog) + clusterLines("WildFly", wildflyLog));
    }

    private static void awaitLine(ServerLog log, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log.contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' within " + timeout + "\n" + log.tail(60));
            }
            Thread.sleep(200);
        }
    }

    /** MISS through {@code first}, then the same request through {@code second} is a HIT with the same token. */
    private void oneUpstreamCallForBothServers(Node first, Node second, String key, OAuth2Upstream upstream) throws Exception {
        int calls = upstream.tokenRequests();
        HttpResponse<String> miss = first.token(key);
        HttpResponse<String> hit = second.token(key);
        String message = key + ": " + first + " " + describe(miss) + " / " + second + " " + describe(hit);
        assertEquals(200, miss.statusCode(), message);
        assertEquals(200, hit.statusCode(), message);
        assertEquals("MISS", miss.headers().firstValue(CACHE).orElse(null), message);
        assertEquals("HIT", hit.headers().firstValue(CACHE).orElse(null), message);
        assertEquals(accessToken(miss), accessToken(hit), message);
        assertEquals(calls + 1, upstream.tokenRequests(), "one upstream call per key for both servers; " + message);
    }

    /** README "Deploying on Jetty", with only the loopback, plus the three cluster settings. */
    private Path configureJetty(Path work, OAuth2Upstream upstream, URI clusterUri, Path keyFile) throws Exception {
        DeploymentEnvironment.untar(env.distDir().resolve("jetty-home.tar.gz"), work);
        Path home = work.resolve("jetty-home-" + System.getProperty("jetty-home.version"));
        Path base = Files.createDirectories(work.resolve("jetty-base"));
        DeploymentEnvironment.copyTree(env.serverConfigDir().resolve("jetty"), base);
        for (String app : List.of("sample-app", "sample-annotated-app", "sample-rest-app")) {
            Files.delete(base.resolve("webapps/" + app + ".xml"));
            Files.delete(base.resolve("webapps/" + app + ".properties")); // Jetty 12.1 deploys a lone .properties too
        }
        Files.copy(env.loopbackWar(), base.resolve("webapps/loopback.war"));
        Path properties = base.resolve("webapps/loopback.properties");
        String text = replaceOnce(Files.readString(properties), "loopback.upstream-url=http://127.0.0.1:8090/token",
                "loopback.upstream-url=" + upstream.tokenUrl(), properties.toString());
        Files.writeString(properties, text + "\n# Running a cluster: the Terracotta server shared by every node.\n"
                + "loopback.cluster-uri=" + clusterUri + "\n"
                + "loopback.cluster-key-file=" + keyFile + "\n"
                + "loopback.cluster-pool-size=" + POOL_SIZE + "\n");
        // The shipped loopback.xml names loopback.properties as the WAR's config-file (docs/cluster.md).
        assertEquals(DeploymentEnvironment.sha256(env.loopbackWar()), DeploymentEnvironment.sha256(base.resolve("webapps/loopback.war")),
                "Jetty deploys the very loopback.war the build made");
        return home;
    }

    /** README "Deploying on WildFly", with only the loopback, plus the three cluster settings as system properties in loopback.cli. */
    private Path configureWildFly(Path work, OAuth2Upstream upstream, URI clusterUri, Path keyFile) throws Exception {
        DeploymentEnvironment.untar(env.distDir().resolve("wildfly-dist.tar.gz"), work);
        Path home = work.resolve("wildfly-" + System.getProperty("wildfly.version"));
        Path config = Files.createDirectories(work.resolve("loopback-config"));
        DeploymentEnvironment.copyTree(env.serverConfigDir().resolve("wildfly"), config);
        Files.copy(env.loopbackWar(), config.resolve("loopback.war"));
        Path properties = config.resolve("loopback.properties");
        Files.writeString(properties, replaceOnce(Files.readString(properties),
                "loopback.upstream-url=http://127.0.0.1:8090/token", "loopback.upstream-url=" + upstream.tokenUrl(),
                properties.toString()));
        Path cli = config.resolve("loopback.cli");
        Files.writeString(cli, replaceOnce(Files.readString(cli), "# /system-property=loopback.ttl:add(value=8h)",
                "/system-property=loopback.cluster-uri:add(value=\"" + clusterUri + "\")\n"
                        + "/system-property=loopback.cluster-key-file:add(value=\"" + keyFile + "\")\n"
                        + "/system-property=loopback.cluster-pool-size:add(value=" + POOL_SIZE + ")\n"
                        + "# /system-property=loopback.ttl:add(value=8h)", cli.toString()));
        Map<String, String> javaHome = Map.of("JAVA_HOME", System.getProperty("java.home"));
        String output = Processes.runOk(config, javaHome, Duration.ofMinutes(3), List.of(home.resolve("bin/jboss-cli.sh").toString(),
                "--properties=loopback.properties", "--file=loopback.cli"));
        assertFalse(output.contains("WARNING") || output.contains("failed"), () -> "loopback.cli printed\n" + output);
        // The embedded CLI logged to server.log too; keep the real boot's log on its own.
        Path serverLog = home.resolve("standalone/log/server.log");
        Files.move(serverLog, serverLog.resolveSibling("cli-server.log"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals(DeploymentEnvironment.sha256(env.loopbackWar()), DeploymentEnvironment.sha256(config.resolve("loopback.war")),
                "WildFly deploys the very loopback.war the build made");
        return home;
    }

    /** The loopback's own cluster lines and every WARN/ERROR line (WildFly's format, or the JUL console's level line on Jetty). */
    private static String clusterLines(String server, ServerLog log) {
        StringBuilder out = new StringBuilder();
        log.lines().stream()
                .filter(line -> line.contains("cluster tier") || line.startsWith("WARNING:") || line.startsWith("SEVERE:")
                        || line.contains(" WARN ") || line.contains(" ERROR "))
                .forEach(line -> out.append("    ").append(server).append(": ")
                        .append(line.length() > 260 ? line.substring(0, 260) + "..." : line).append('\n'));
        return out.toString();
    }

    private static String accessToken(HttpResponse<String> answer) {
        try {
            return JSON.readTree(answer.body()).path("access_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(describe(answer), e);
        }
    }

    /** Status, cache header and the body's length: the token itself stays out of the messages. */
    private static String describe(HttpResponse<String> answer) {
        return answer.statusCode() + " " + CACHE + "=" + answer.headers().firstValue(CACHE).orElse("-")
                + (answer.statusCode() == 200 ? " (" + answer.body().length() + " bytes)" : " " + answer.body());
    }

    /** One server's loopback: its token resource and admin views on its loopback-only port. */
    private final class Node {
        private final String name;
        private final URI loopback;

        Node(String name, URI loopback) {
            this.name = name;
            this.loopback = loopback;
        }

        String name() {
            return name;
        }

        HttpResponse<String> token(String scope) throws Exception {
            return http.send(HttpRequest.newBuilder(loopback).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", FORM)
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=" + ServerProof.CLIENT_ID
                            + "&client_secret=" + ServerProof.CLIENT_SECRET + "&scope=" + scope))
                    .build(), HttpResponse.BodyHandlers.ofString());
        }

        JsonNode health() throws Exception {
            HttpResponse<String> answer = get("/admin/health");
            return JSON.readTree(answer.body());
        }

        String metrics() throws Exception {
            HttpResponse<String> answer = get("/admin/metrics");
            assertEquals(200, answer.statusCode(), () -> this + ": metrics " + answer.body());
            return answer.body();
        }

        /** Polls health until {@code wanted} holds; fails with the last answer after {@code timeout}. */
        JsonNode awaitHealth(Predicate<JsonNode> wanted, Duration timeout, String what) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            JsonNode last = health();
            while (!wanted.test(last)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(this + ": not " + what + " within " + timeout + "; health " + last);
                }
                Thread.sleep(200);
                last = health();
            }
            return last;
        }

        private HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(loopback + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
