package dev.authloopback.deployment;

import static dev.authloopback.deployment.DeploymentEnvironment.replaceOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.Processes;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.keycloak.KeycloakServer;
import dev.authloopback.testsupport.keycloak.LoopbackRealm;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
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
 * Undertow server and listener, moved off 8082 with the README's one option; three business apps
 * on the default server (web.xml filter through business-app.cli; annotations only and Jakarta REST
 * on RESTEasy copied into deployments/); all other ports moved by a free port offset.
 */
class WildFlyDistributionIT {

    /** Ports of standalone.xml's socket-binding-group plus the admin listener, before the offset (the loopback's is fixed). */
    private static final int[] BASE_PORTS = {8080, 8443, 8009, 9990, 9993, 4712, 4713, 8083};
    private static final List<String> WARS = List.of("loopback.war", "sample-app.war", "sample-annotated-app.war",
            "sample-rest-app.war", "sample-app-obo.war");
    private static final DateTimeFormatter WILDFLY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final Pattern STARTED_IN = Pattern.compile("WFLYSRV0025: .* started in (\\d+)ms");

    private final DeploymentEnvironment env = DeploymentEnvironment.fromSystemProperties();
    private OAuth2Upstream upstream;
    private RecordingBackend backend;
    private ServerProcess wildfly;
    private KeycloakServer keycloak;
    private OtlpReceiver traces;

    @BeforeEach
    void startUpstreamAndBackend() throws Exception {
        upstream = new OAuth2Upstream();
        backend = RecordingBackend.start();
    }

    @AfterEach
    void stopEverything() {
        if (wildfly != null) {
            wildfly.close();
        }
        if (keycloak != null) {
            keycloak.close();
        }
        if (traces != null) {
            traces.close();
        }
        backend.close();
        upstream.close();
    }

    /** The owned profile's caller secret (issue 20: owning profiles require one). */
    private static final String OWNED_CALLER_SECRET = "owned-caller-s3cret-4e7a";

    /** The owned profile's key id, as registered with Keycloak in the client's JWKS. */
    private static final String OWNED_KEY_ID = "wildfly-key-1";

    /** An EC P-256 key made now with the JDK, its private key written as unencrypted PKCS#8 PEM (README "Keeping secrets in one place"). */
    private static KeyPair ecKeyPem(Path pem) throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return pair;
    }

    /**
     * Two callers sending only a scope: one token call with a Nimbus-signed assertion, as the real
     * Keycloak counts it (issue 21: its events, not a stand-in's counter), then a HIT.
     */
    private void ownedProfileSignsItsOwnAssertion(URI owned) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(owned)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Loopback-Secret", OWNED_CALLER_SECRET)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("scope=orders.read")).build();
        int before = keycloak.tokenCalls(LoopbackRealm.JWT_JWKS_CLIENT);
        java.net.http.HttpResponse<String> first = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        java.net.http.HttpResponse<String> second = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        String message = "WildFly private_key_jwt profile: " + first.statusCode() + " " + first.body() + " / "
                + second.statusCode() + " " + second.headers().firstValue("X-Loopback-Cache").orElse("-");
        assertEquals(200, first.statusCode(), message);
        assertTrue(first.body().contains("access_token"), message);
        assertEquals("HIT", second.headers().firstValue("X-Loopback-Cache").orElse(null), message);
        assertEquals(before + 1, keycloak.tokenCalls(LoopbackRealm.JWT_JWKS_CLIENT), message + "; Keycloak's events "
                + keycloak.events(LoopbackRealm.JWT_JWKS_CLIENT));
    }

    @Test
    void businessAppsOfEveryKindGetOneCachedTokenThroughTheMovedLoopbackListenerOnly() throws Exception {
        long begin = System.nanoTime();
        Path work = env.freshWorkDir("wildfly");
        DeploymentEnvironment.untar(env.distDir().resolve("wildfly-dist.tar.gz"), work);
        Path home = work.resolve("wildfly-" + System.getProperty("wildfly.version"));
        Map<String, String> javaHome = Map.of("JAVA_HOME", System.getProperty("java.home"));
        // Issue 21: the owned profile's token endpoint is a real Keycloak, its key registered there as a JWKS.
        Path ownedKey = work.resolve("owned-client-key.pem");
        keycloak = KeycloakServer.fromDist(LoopbackRealm.create()
                .withJwks(ecKeyPem(ownedKey).getPublic(), OWNED_KEY_ID)).start();
        int offset = freePortOffset();
        int loopbackPort = DeploymentEnvironment.freePort();

        // README.md, "Deploying on WildFly", step by step; each script twice, as an operator re-runs it.
        Path config = Files.createDirectories(work.resolve("loopback-config"));
        DeploymentEnvironment.copyTree(env.serverConfigDir().resolve("wildfly"), config);
        Files.copy(env.loopbackWar(), config.resolve("loopback.war"));
        edit(config.resolve("loopback.properties"),
                "loopback.upstream-url=http://127.0.0.1:8090/token",
                "loopback.upstream-url=" + upstream.tokenUrl());
        cliRunsCleanlyTwice(home, config, javaHome, "loopback.properties", "loopback.cli");
        // docs/operations.md: the admin listener for Prometheus (run once), bound to 127.0.0.1 here.
        edit(config.resolve("loopback-admin.properties"), "loopback.admin-address=0.0.0.0", "loopback.admin-address=127.0.0.1");
        Processes.runOk(config, javaHome, Duration.ofMinutes(3), List.of(home.resolve("bin/jboss-cli.sh").toString(),
                "--resolve-parameter-values", "--properties=loopback-admin.properties", "--file=loopback-admin.cli"));

        // B: sample-app through business-app.cli, its web.xml's backend-url changed by the overlay.
        Files.copy(env.sampleAppWar(), config.resolve("sample-app.war"));
        String webXml = webXmlOf(config.resolve("sample-app.war"));
        webXml = replaceOnce(webXml, "http://127.0.0.1:8090/backend", backend.url().toString(), "sample-app web.xml");
        Files.writeString(config.resolve("sample-app-web.xml"), webXml);
        cliRunsCleanlyTwice(home, config, javaHome, "business-app.properties", "business-app.cli");
        // Issue 22: a second copy of sample-app, its filter in on-behalf-of mode against the exchange
        // profile, deployed with the same script and an overlay of its own (run once: the twice above
        // already proves the script re-runs cleanly).
        Files.copy(env.sampleAppWar(), config.resolve("sample-app-obo.war"));
        Files.writeString(config.resolve("sample-app-obo-web.xml"),
                OnBehalfOfProof.onBehalfOfWebXml(webXmlOf(env.sampleAppWar()), backend.url().toString(), "obo",
                        OWNED_CALLER_SECRET));
        Files.writeString(config.resolve("business-app-obo.properties"), "app.server-config=standalone.xml\n"
                + "app.war=sample-app-obo.war\napp.name=sample-app-obo.war\napp.web-xml=sample-app-obo-web.xml\n");
        Processes.runOk(config, javaHome, Duration.ofMinutes(3), List.of(home.resolve("bin/jboss-cli.sh").toString(),
                "--properties=business-app-obo.properties", "--file=business-app.cli"));
        // A: the apps that need no per-server web.xml, copied into deployments/.
        for (String war : List.of("sample-annotated-app.war", "sample-rest-app.war")) {
            Files.copy(env.war(war), home.resolve("standalone/deployments/" + war));
        }
        Duration configure = Duration.ofNanos(System.nanoTime() - begin);

        // The embedded CLI runs logged to server.log too; keep the real boot's log on its own.
        Path serverLog = home.resolve("standalone/log/server.log");
        Files.move(serverLog, serverLog.resolveSibling("cli-server.log"), StandardCopyOption.REPLACE_EXISTING);
        ServerLog log = ServerLog.of(serverLog);
        // docs/tracing.md, "WildFly": the agent line appended to bin/standalone.conf.
        traces = OtlpReceiver.start();
        Files.writeString(home.resolve("bin/standalone.conf"), "\nJAVA_OPTS=\"$JAVA_OPTS " + String.join(" ",
                traces.agentOptions(env.distDir().resolve("opentelemetry-javaagent.jar"), "wildfly-loopback")) + "\"\n",
                java.nio.file.StandardOpenOption.APPEND);
        // README.md, "Moving the loopback port": -Dauth-loopback.port moves the listener and every
        // business app's token-url; the port offset moves everything else, not the loopback.
        wildfly = ServerProcess.start(home, Map.of("JAVA_HOME", System.getProperty("java.home"), "LAUNCH_JBOSS_IN_BACKGROUND", "1"),
                work.resolve("wildfly-console.log"), List.of(home.resolve("bin/standalone.sh").toString(),
                        "-Dauth-loopback.port=" + loopbackPort,
                        "-Djboss.socket.binding.port-offset=" + offset,
                        "-Dsample.client-id=" + ServerProof.CLIENT_ID,
                        "-Dsample.client-secret=" + ServerProof.CLIENT_SECRET,
                        "-Dsample.backend-url=" + backend.url(),
                        // Issue 12: a private_key_jwt profile, so the WAR's own Nimbus signs on WildFly;
                        // issue 21: against the real Keycloak, which knows the key by its JWKS kid.
                        "-Dloopback.profiles=owned,obo",
                        "-Dloopback.owned.upstream-url=" + keycloak.tokenUrl(),
                        "-Dloopback.owned.client-auth=private_key_jwt",
                        "-Dloopback.owned.client-id=" + LoopbackRealm.JWT_JWKS_CLIENT,
                        "-Dloopback.owned.client-key-file=" + ownedKey,
                        "-Dloopback.owned.client-key-id=" + OWNED_KEY_ID,
                        // Issue 20: an owning profile authenticates its callers and grants only allowed scopes.
                        "-Dloopback.owned.shared-secret=" + OWNED_CALLER_SECRET,
                        "-Dloopback.owned.allowed-scopes=orders.read",
                        // Issue 22: an exchange profile, the users' tokens checked by the WAR's Nimbus
                        // against Keycloak's JWKS, exchanged at Keycloak as the business client.
                        "-Dloopback.obo.upstream-url=" + keycloak.tokenUrl(),
                        "-Dloopback.obo.client-auth=client_secret_basic",
                        "-Dloopback.obo.client-id=" + LoopbackRealm.OBO_BUSINESS_CLIENT,
                        "-Dloopback.obo.client-secret=" + LoopbackRealm.OBO_BUSINESS_SECRET,
                        "-Dloopback.obo.shared-secret=" + OWNED_CALLER_SECRET,
                        "-Dloopback.obo.grant-type=urn:ietf:params:oauth:grant-type:token-exchange",
                        "-Dloopback.obo.subject-issuer=" + keycloak.issuer(),
                        "-Dloopback.obo.subject-audience=" + LoopbackRealm.OBO_BUSINESS_CLIENT,
                        "-Dloopback.obo.subject-jwks-url=" + keycloak.oidcEndpoint("certs")));
        Duration boot = wildfly.awaitReady(() -> log.contains("WFLYSRV0025") || log.contains("WFLYSRV0026"),
                env.bootTimeout(), "WildFly");
        assertFalse(log.contains("WFLYSRV0026"), () -> "WildFly started with errors\n" + log.tail(80));
        for (String war : WARS) {
            assertTrue(log.contains("WFLYSRV0010: Deployed \"" + war + "\""), () -> war + " not deployed\n" + log.tail(80));
        }
        assertTrue(log.contains("Registered web context: '/loopback' for server 'loopback-server'"),
                () -> "loopback.war is not on loopback-server\n" + log.tail(80));
        assertTrue(log.contains("Undertow HTTP listener loopback listening on 127.0.0.1:" + loopbackPort),
                () -> "the loopback listener is not bound to 127.0.0.1:" + loopbackPort + "\n" + log.tail(80));
        assertEquals(DeploymentEnvironment.sha256(env.loopbackWar()), DeploymentEnvironment.sha256(config.resolve("loopback.war")),
                "WildFly deploys the very loopback.war the build made");

        ServerProof proof = new ServerProof("WildFly");
        URI main = URI.create("http://127.0.0.1:" + (8080 + offset));
        URI loopback = URI.create("http://127.0.0.1:" + loopbackPort);
        proof.twoBusinessRequestsShareOneUpstreamToken(main.resolve("/sample-app/api/forward"), backend, upstream, log);
        AdoptedBusinessApps adopted = new AdoptedBusinessApps("WildFly");
        assertNull(adopted.inboundAndOutboundCarryTheToken(main.resolve("/sample-annotated-app/api/orders"), backend));
        String jaxrs = adopted.inboundAndOutboundCarryTheToken(main.resolve("/sample-rest-app/api/orders"), backend);
        assertTrue(jaxrs.startsWith("org.jboss.resteasy."), "WildFly: its RESTEasy serves the REST app, not " + jaxrs);
        assertEquals(1, upstream.tokenRequests(), "WildFly: three business apps, one token from the OAuth2 server");
        TraceProof traced = new TraceProof("WildFly", traces);
        traced.coldBusinessRequestIsOneTrace();
        traced.hitHasNoUpstreamSpan();
        proof.loopbackProblemsShareTheFiltersNamespace(loopback.resolve("/loopback"));
        proof.loopbackIsNotServedOnTheMainPort(main.resolve("/loopback"));
        for (String context : List.of("/sample-app", "/sample-annotated-app", "/sample-rest-app", "/sample-app-obo")) {
            proof.businessAppIsNotServedOnTheLoopbackPort(loopback.resolve(context + "/api/orders"));
        }

        OperatorProof operator = new OperatorProof("WildFly");
        URI admin = URI.create("http://127.0.0.1:" + (8083 + offset));
        assertTrue(log.contains("Undertow HTTP listener loopback-admin listening on 127.0.0.1:" + (8083 + offset)),
                () -> "the admin listener is not bound to 127.0.0.1:" + (8083 + offset) + "\n" + log.tail(80));
        operator.adminViewsAreScrapedOnTheAdminPort(admin);
        operator.tokenApiIsRefusedOnTheAdminPort(admin);
        operator.ehcacheLogReachesTheServerLog(log);
        // After the operator's exact counts: this adds a MISS of its own.
        proof.slowAndStalledBodiesAreHandled(loopback.resolve("/loopback"));
        ownedProfileSignsItsOwnAssertion(loopback.resolve("/loopback/owned"));
        OnBehalfOfProof onBehalfOf = new OnBehalfOfProof("WildFly", keycloak, OWNED_CALLER_SECRET);
        onBehalfOf.usersGetTheirOwnExchangedTokens(loopback.resolve("/loopback/obo"));
        long obo = System.nanoTime();
        onBehalfOf.businessAppSendsEachUsersExchangedTokenDownstream(main.resolve("/sample-app-obo/api/"), backend);
        System.out.println("WildFly: the on-behalf-of business app's proof took "
                + Duration.ofNanos(System.nanoTime() - obo).toMillis() + " ms");
        traced.concurrentCallersLinkToTheFetchTheyShared(loopback.resolve("/loopback"), upstream, 5);
        upstream.close();
        traced.upstreamFailureIsAnErrorWithTheProblemType(loopback.resolve("/loopback"));
        traced.noSecretInAnySpan(backend);

        Duration stop = wildfly.stop(Duration.ofSeconds(90));
        assertTrue(log.contains("WFLYSRV0050"), () -> "WildFly did not log a clean stop\n" + log.tail(30));
        log.assertNoErrorsAndNoStackTraceOfOurs("WildFly");
        // Issue 22: no user token nor exchanged token the backend saw is in the server's log.
        for (RecordingBackend.Seen seen : backend.seen()) {
            assertFalse(seen.token() != null && log.contains(seen.token()), () -> "WildFly's log holds a token: " + seen);
        }
        StringBuilder deploys = new StringBuilder();
        for (String war : WARS) {
            String context = "/" + war.substring(0, war.length() - ".war".length());
            deploys.append(deploys.length() == 0 ? "" : ", ").append(Report.seconds(war, deployTime(log, war, context)));
        }
        Report.print("WildFly " + System.getProperty("wildfly.version") + " (boot by its own count: " + startedInMillis(log) + " ms)",
                configure, boot, deploys + " (in parallel)", stop, Duration.ofNanos(System.nanoTime() - begin), log.warnings());
    }

    /** README's CLI command, run twice: both runs succeed and print no CLI warning. */
    private void cliRunsCleanlyTwice(Path home, Path config, Map<String, String> env, String properties, String script) {
        for (int run = 1; run <= 2; run++) {
            String output = Processes.runOk(config, env, Duration.ofMinutes(3), List.of(home.resolve("bin/jboss-cli.sh").toString(),
                    "--properties=" + properties, "--file=" + script));
            int attempt = run;
            List<String> warnings = output.lines().filter(line -> line.contains("WARNING") || line.contains("failed")).toList();
            assertTrue(warnings.isEmpty(), () -> script + " run " + attempt + " printed " + warnings + "\n" + output);
        }
    }

    private static String webXmlOf(Path war) throws Exception {
        try (ZipFile zip = new ZipFile(war.toFile()); InputStream in = zip.getInputStream(zip.getEntry("WEB-INF/web.xml"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * A port offset at which every port the server will bind is free on 127.0.0.1 and none is one of
     * {@code reserved} (ports picked for another server that has not bound them yet).
     */
    static int freePortOffset(int... reserved) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(100, 300) * 100;
            if (IntStream.of(BASE_PORTS).allMatch(port -> DeploymentEnvironment.isFree(port + offset)
                    && IntStream.of(reserved).noneMatch(taken -> taken == port + offset))) {
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
