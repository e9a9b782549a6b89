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
}
