package dev.authloopback.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

class LoopbackLauncherTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private LoopbackLauncher launcher;

    @AfterEach
    void stopLauncher() throws Exception {
        if (launcher != null) {
            launcher.stop();
        }
    }

    @Test
    void secondTokenRequestThroughTheLauncherIsAHitWithTheSameBody() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        launcher = LoopbackLauncher.start(LauncherOptions.of(0, null), new PrintStream(printed, true, StandardCharsets.UTF_8));
        String banner = printed.toString(StandardCharsets.UTF_8);
        assertTrue(banner.contains("started a demo OAuth2 token endpoint"), banner);
        assertTrue(banner.contains(launcher.loopbackUrl().toString()), banner);

        HttpResponse<String> first = postTokenRequest();
        HttpResponse<String> second = postTokenRequest();

        assertEquals(200, first.statusCode(), () -> "first answer: " + first.body());
        assertEquals("MISS", first.headers().firstValue("X-Loopback-Cache").orElse(null), () -> "first answer: " + first.headers());
        assertTrue(first.body().contains("\"access_token\""), () -> "first answer: " + first.body());
        assertEquals(200, second.statusCode(), () -> "second answer: " + second.body());
        assertEquals("HIT", second.headers().firstValue("X-Loopback-Cache").orElse(null), () -> "second answer: " + second.headers());
        assertEquals(first.body(), second.body(), "a hit returns the stored token response unchanged");
        assertEquals(1, launcher.demoTokensIssued(), "the demo token endpoint was called once");
    }

    @Test
    void bannerForARealUpstreamShowsHowToCallItWithoutDemoCredentials() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        launcher = LoopbackLauncher.start(LauncherOptions.of(0, URI.create("https://127.0.0.1:9/oauth2/token")),
                new PrintStream(printed, true, StandardCharsets.UTF_8), Map.of(), Map.of());
        String banner = printed.toString(StandardCharsets.UTF_8);

        assertTrue(banner.contains("Try it with a client registered at https://127.0.0.1:9/oauth2/token "), banner);
        assertTrue(banner.contains("-u YOUR_CLIENT_ID:YOUR_CLIENT_SECRET -d grant_type=client_credentials"), banner);
        assertFalse(banner.contains("demo"), banner);
        assertTrue(banner.contains("upstream https://127.0.0.1:9/oauth2/token"), banner);
        assertEquals(-1, launcher.demoTokensIssued(), "no demo endpoint with a real upstream");
    }

    @Test
    void credentialsInTheUpstreamUrlAreRefusedBeforeAnythingStartsAndNotEchoed() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        LaunchException e = assertThrows(LaunchException.class, () -> LoopbackLauncher.start(
                LauncherOptions.of(0, URI.create("https://ops:pw-in-url@127.0.0.1:9/oauth2/token")),
                new PrintStream(printed, true, StandardCharsets.UTF_8), Map.of(), Map.of()));

        assertTrue(e.getMessage().contains("loopback.upstream-url") && !e.getMessage().contains("pw-in-url"), e.getMessage());
        assertEquals("", printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void invalidSettingIsReportedBeforeAnythingStarts() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        LaunchException e = assertThrows(LaunchException.class, () -> LoopbackLauncher.start(LauncherOptions.of(0, null),
                new PrintStream(printed, true, StandardCharsets.UTF_8), Map.of("loopback.ttl", "forever"), Map.of()));

        assertTrue(e.getMessage().contains("loopback.ttl") && e.getMessage().contains("forever"), e.getMessage());
        assertEquals(LoopbackLauncher.EXIT_USAGE, e.exitCode(), e.getMessage());
        assertEquals("", printed.toString(StandardCharsets.UTF_8), "nothing started, not even the demo endpoint");
    }

    @Test
    void aClusterUriWithoutAKeyFileIsRefusedNamingTheSettingAndHowToMakeAKey() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        LaunchException e = assertThrows(LaunchException.class, () -> LoopbackLauncher.start(LauncherOptions.of(0, null)
                        .withClusterUri(URI.create("terracotta://127.0.0.1:9/auth-loopback")),
                new PrintStream(printed, true, StandardCharsets.UTF_8), Map.of(), Map.of()));

        assertTrue(e.getMessage().contains("loopback.cluster-key-file: required with loopback.cluster-uri")
                && e.getMessage().contains("openssl rand -base64 32"), e.getMessage());
        assertEquals(LoopbackLauncher.EXIT_USAGE, e.exitCode(), e.getMessage());
        assertTrue(LauncherOptions.USAGE.contains("-Dloopback.cluster-key-file=FILE"), LauncherOptions.USAGE);
    }

    @Test
    void takenPortIsReportedWithTheOptionToChooseAnother() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            LaunchException e = assertThrows(LaunchException.class, () -> LoopbackLauncher.start(LauncherOptions.of(port, null),
                    new PrintStream(printed, true, StandardCharsets.UTF_8), Map.of(), Map.of()));

            assertEquals("port " + port + " on 127.0.0.1 is in use; choose another with --port", e.getMessage());
            assertEquals(LoopbackLauncher.EXIT_START_FAILED, e.exitCode());
        }
        assertEquals("", printed.toString(StandardCharsets.UTF_8), "the demo endpoint was not started first");
    }

    private HttpResponse<String> postTokenRequest() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(launcher.loopbackUrl())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=demo"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void ownedProfileHintSendsNoClientCredentialsButTheCallerSecretHeader() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        launcher = LoopbackLauncher.start(LauncherOptions.of(0, URI.create("https://127.0.0.1:9/oauth2/token")),
                new PrintStream(printed, true, StandardCharsets.UTF_8),
                Map.of("loopback.client-auth", "client_secret_basic", "loopback.client-id", "orders-service",
                        "loopback.client-secret", "s3cret-s3cret-s3cret", "loopback.scope", "orders.read",
                        "loopback.shared-secret", "caller-secret-16-chars-or-more"), Map.of());
        String banner = printed.toString(StandardCharsets.UTF_8);
        assertFalse(banner.contains(" -u "), banner);
        assertFalse(banner.contains("caller-secret-16-chars-or-more"), "never the secret itself: " + banner);
        assertFalse(banner.contains("s3cret"), banner);
        assertTrue(banner.contains("-H \"X-Loopback-Secret: $CALLER_SECRET\"") && banner.contains("-d scope=orders.read"),
                banner);
    }

    @Test
    void standInIssuesTokensItsBackendAcceptsAndCountsBoth() throws Exception {
        try (DemoTokenEndpoint standIn = new DemoTokenEndpoint(0, java.time.Clock.systemUTC())) {
            standIn.start();
            assertTrue(LoopbackLauncher.standInBanner(standIn).contains(standIn.backendUrl().toString()));
            HttpResponse<String> token = http.send(HttpRequest.newBuilder(standIn.tokenUrl())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String accessToken = token.body().replaceAll(".*\"access_token\":\"([^\"]+)\".*", "$1");
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(standIn.backendUrl())
                    .header("Authorization", "Bearer " + accessToken).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(standIn.backendUrl() + "/orders"))
                    .header("Authorization", "Bearer made-up").build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> counts = http.send(HttpRequest.newBuilder(standIn.countsUrl()).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(200, accepted.statusCode(), accepted::body);
            assertTrue(accepted.body().contains(DemoBackend.fingerprint(accessToken)), accepted::body);
            assertFalse(accepted.body().contains(accessToken), "a fingerprint, never the token: " + accepted.body());
            assertEquals(401, refused.statusCode(), refused::body);
            assertEquals("Bearer error=\"invalid_token\"", refused.headers().firstValue("WWW-Authenticate").orElse(null));
            assertEquals("{\"tokens_issued\":1,\"backend_accepted\":1,\"backend_refused\":1}", counts.body());
        }
    }
}
