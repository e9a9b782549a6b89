package dev.authloopback.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

class LauncherOptionsTest {

    private static LauncherOptions parse(Map<String, String> properties, Map<String, String> env, String... args)
            throws UsageException {
        return LauncherOptions.parse(args, properties::get, env::get);
    }

    @Test
    void noArgumentsMeansPort8082AndTheDemoEndpoint() throws UsageException {
        LauncherOptions options = parse(Map.of(), Map.of());
        assertEquals(8082, options.port());
        assertEquals(Optional.empty(), options.upstreamUrl());
    }

    @Test
    void commandLineWinsOverSystemPropertyWhichWinsOverEnvironment() throws UsageException {
        Map<String, String> props = Map.of("loopback.upstream-url", "http://prop.example/token");
        Map<String, String> env = Map.of("LOOPBACK_UPSTREAM_URL", "http://env.example/token");
        assertEquals(URI.create("http://cli.example/token"),
                parse(props, env, "--upstream-url", "http://cli.example/token").upstreamUrl().orElseThrow());
        assertEquals(URI.create("http://prop.example/token"), parse(props, env).upstreamUrl().orElseThrow());
        assertEquals(URI.create("http://env.example/token"), parse(Map.of(), env).upstreamUrl().orElseThrow());
    }

    @Test
    void portAcceptsSeparateAndInlineValues() throws UsageException {
        assertEquals(18082, parse(Map.of(), Map.of(), "--port", "18082").port());
        assertEquals(18083, parse(Map.of(), Map.of(), "--port=18083").port());
    }

    @Test
    void badArgumentsAreUsageErrorsNamingTheValue() {
        UsageException port = assertThrows(UsageException.class, () -> parse(Map.of(), Map.of(), "--port", "eighty"));
        assertTrue(port.getMessage().contains("'eighty'"), port.getMessage());
        assertThrows(UsageException.class, () -> parse(Map.of(), Map.of(), "--port", "70000"));
        assertThrows(UsageException.class, () -> parse(Map.of(), Map.of(), "--port"));
        assertThrows(UsageException.class, () -> parse(Map.of(), Map.of(), "--verbose"));
        UsageException url = assertThrows(UsageException.class, () -> parse(Map.of(), Map.of(), "--upstream-url", "idp/token"));
        assertTrue(url.getMessage().startsWith("upstream-url"), url.getMessage());
    }

    @Test
    void clusterUriIsOptionalAndTakesTheTerracottaForm() throws UsageException {
        assertTrue(parse(Map.of(), Map.of()).clusterUri().isEmpty());
        assertEquals(URI.create("terracotta://127.0.0.1:9410/auth-loopback"),
                parse(Map.of(), Map.of(), "--cluster-uri", "terracotta://127.0.0.1:9410/auth-loopback").clusterUri()
                        .orElseThrow());
        assertEquals(URI.create("terracotta://a:9410,b:9410/x"),
                parse(Map.of(), Map.of(), "--cluster-uri=terracotta://a:9410,b:9410/x").clusterUri().orElseThrow());
        UsageException bad = assertThrows(UsageException.class,
                () -> parse(Map.of(), Map.of(), "--cluster-uri", "http://127.0.0.1:9410/x"));
        assertTrue(bad.getMessage().contains("--cluster-uri") && bad.getMessage().contains("http://127.0.0.1:9410/x"),
                bad.getMessage());
    }

    @Test
    void helpIsRecognised() throws UsageException {
        assertTrue(parse(Map.of(), Map.of(), "--help").help());
    }

    @Test
    void aJavaOptionAfterDashJarIsAnsweredWithWhereItGoes() {
        UsageException e = assertThrows(UsageException.class, () -> parse(Map.of(), Map.of(), "-Dloopback.ttl=1h"));
        assertTrue(e.getMessage().contains("Java options go before -jar")
                && e.getMessage().contains("java -Dloopback.ttl=1h -jar loopback-launcher.jar"), e.getMessage());
    }

    @Test
    void standInTakesItsOwnFixedPortAndNoUpstream() throws UsageException {
        Map<String, String> props = Map.of("loopback.upstream-url", "http://prop.example/token");
        LauncherOptions standIn = parse(props, Map.of(), "--stand-in");
        assertTrue(standIn.standIn());
        assertEquals(LauncherOptions.DEFAULT_STAND_IN_PORT, standIn.port());
        assertTrue(standIn.upstreamUrl().isEmpty(), "the stand-in is the upstream; it has none of its own");
        assertEquals(18090, parse(Map.of(), Map.of(), "--stand-in", "--port", "18090").port());
        assertThrows(UsageException.class, () -> parse(Map.of(), Map.of(), "--stand-in", "--upstream-url", "http://x/token"));
    }

    @Test
    void theStandInPortCollidesWithNoPortOfTheWalkthroughs() {
        // loopback, Jetty main and admin connectors, WildFly HTTP/HTTPS/management, Terracotta.
        for (int taken : new int[] {8082, 8080, 8083, 8443, 9990, 9993, 9410, 9430}) {
            assertTrue(LauncherOptions.DEFAULT_STAND_IN_PORT != taken, "stand-in port " + taken);
        }
    }
}
