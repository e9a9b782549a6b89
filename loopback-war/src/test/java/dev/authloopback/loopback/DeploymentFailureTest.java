package dev.authloopback.loopback;

import dev.authloopback.loopback.support.LoopbackTestServer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeploymentFailureTest {
    @Test
    void invalidConfigurationFailsTheWebAppStartWithTheSettingNamed() {
        Exception e = assertThrows(Exception.class, () -> new LoopbackTestServer(
                Map.of("upstream-url", "ftp://127.0.0.1/token", "ttl", "forever"), null).close());
        Throwable cause = e;
        StringBuilder messages = new StringBuilder();
        while (cause != null) {
            messages.append(cause.getMessage()).append('\n');
            cause = cause.getCause();
        }
        assertTrue(messages.toString().contains("loopback.upstream-url='ftp://127.0.0.1/token'"), messages.toString());
        assertTrue(messages.toString().contains("loopback.ttl='forever'"), messages.toString());
    }

    @Test
    void aStackTraceOfTheRefusalWouldOnlyRepeatItsMessage() {
        Exception e = assertThrows(Exception.class, () -> new LoopbackTestServer(
                Map.of("upstream-url", "http://127.0.0.1/token", "ttl", "forever"), null).close());
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause.getClass().getSimpleName().equals("DeploymentRefused")) {
                assertTrue(cause.getStackTrace().length == 0, "no stack trace: a server prints it once per layer");
                return;
            }
        }
        throw new AssertionError("no DeploymentRefused in " + e);
    }

    @Test
    void anUpstreamHostThatDoesNotResolveIsNamedAsSuch() throws Exception {
        // RFC 6761: .invalid never resolves.
        try (LoopbackTestServer loopback = new LoopbackTestServer(
                Map.of("upstream-url", "http://no-such-host.invalid/token"), null)) {
            java.net.http.HttpResponse<String> answer = loopback.post("", "application/x-www-form-urlencoded",
                    "grant_type=client_credentials");
            assertTrue(answer.statusCode() == 502 && answer.body().contains("unknown host")
                    && !answer.body().contains("refused"), answer.body());
        }
    }
}
