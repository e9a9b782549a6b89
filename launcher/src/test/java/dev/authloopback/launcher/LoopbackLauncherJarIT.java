package dev.authloopback.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar loopback-launcher.jar}, exactly as the README says: the shaded jar must be complete. */
class LoopbackLauncherJarIT {

    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/loopback)");

    @TempDir
    Path dir;
    private Process launcher;

    @AfterEach
    void stop() throws InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.destroy();
            launcher.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void launcherJarServesMissThenHitAndStopsOnSigterm() throws Exception {
        Path out = dir.resolve("launcher.out");
        launcher = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("launcher.jar"), "--port", "0"))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        URI loopback = awaitUrl(out);

        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(loopback)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=demo")).build();
        HttpResponse<String> first = http.send(request, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals("MISS", first.headers().firstValue("X-Loopback-Cache").orElse(null), () -> "first: " + first.headers().map() + first.body());
        assertEquals("HIT", second.headers().firstValue("X-Loopback-Cache").orElse(null), () -> "second: " + second.headers().map() + second.body());
        assertEquals(first.body(), second.body());

        launcher.destroy(); // SIGTERM, as Ctrl-C
        assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "the launcher did not stop on SIGTERM");
        String console = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(console.contains("Auth Loopback stopped."), () -> "no clean stop reported:\n" + console);
        assertEquals(143, launcher.exitValue(), "exit status after SIGTERM");
    }

    @Test
    void takenPortEndsTheLauncherWithOneLineNamingTheOptionAndNoStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Finished run = runToEnd("--port", String.valueOf(taken.getLocalPort()));

            assertEquals(1, run.exitCode(), run.console());
            assertEquals("loopback-launcher: port " + taken.getLocalPort() + " on 127.0.0.1 is in use; choose another with --port",
                    run.console().strip(), "the whole console");
        }
    }

    @Test
    void invalidSettingEndsTheLauncherWithTheWarsMessageAndNoStackTrace() throws Exception {
        Finished run = runToEnd("-Dloopback.expiry-skew=soon", "--port", "0");

        assertEquals(2, run.exitCode(), run.console());
        assertTrue(run.console().startsWith("loopback-launcher: Invalid loopback configuration (1 problem):"), run.console());
        assertTrue(run.console().contains("loopback.expiry-skew") && run.console().contains("soon"), run.console());
        assertFalse(run.console().contains("\tat ") || run.console().contains("Exception"), "no stack trace: " + run.console());
        assertFalse(run.console().contains("demo"), "nothing started first: " + run.console());
    }

    private record Finished(int exitCode, String console) {
    }

    /** Runs the jar; JVM options (-D...) before -jar, the rest after it. */
    private Finished runToEnd(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        List<String> jarArgs = new ArrayList<>();
        for (String arg : args) {
            (arg.startsWith("-D") ? command : jarArgs).add(arg);
        }
        command.addAll(List.of("-jar", System.getProperty("launcher.jar")));
        command.addAll(jarArgs);
        Path out = dir.resolve("launcher-" + System.nanoTime() + ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the launcher did not end within 60 s:\n" + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Finished(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private URI awaitUrl(Path out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String console = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
            Matcher m = LISTENING.matcher(console);
            if (m.find()) {
                return URI.create(m.group(1));
            }
            if (!launcher.isAlive()) {
                throw new AssertionError("the launcher exited with " + launcher.exitValue() + ":\n" + console);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the launcher printed no URL within 60 s:\n" + Files.readString(out, StandardCharsets.UTF_8));
    }
}
