package dev.authloopback.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

    private HttpResponse<String> postTokenRequest() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(launcher.loopbackUrl())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=demo"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
