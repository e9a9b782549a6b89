package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.LoopbackServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Invalid configuration fails the deployment of the real WAR with a message naming the setting
 * (issue 6, "Configuration errors"); secrets in a bad value are never echoed.
 */
class ConfigErrorsIT {

    private static final String UPSTREAM = "http://127.0.0.1:9/token";

    /** Setting → bad value; each deployed alone next to a valid upstream-url. */
    private static Map<String, String> badSettings() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("ttl", "-5s");
        bad.put("tti", "banana");
        bad.put("expiry-skew", "-1s");
        bad.put("read-timeout", "0");
        bad.put("connect-timeout", "forever");
        bad.put("refresh-ahead", "1.5");
        bad.put("max-entries", "-1");
        bad.put("max-request-bytes", "lots");
        bad.put("allow-from", "300.1.1.1/8");
        bad.put("admin-allow-from", "127.0.0.1/99");
        bad.put("methods", "P O S T");
        bad.put("token-port", "70000");
        bad.put("health-down-after", "0");
        bad.put("tll", "8h"); // unknown setting: a typo of ttl
        return bad;
    }

    @Test
    void eachBadSettingFailsDeploymentWithAMessageNamingIt() {
        List<String> table = new ArrayList<>();
        List<Executable> checks = new ArrayList<>();
        badSettings().forEach((name, value) -> {
            LoopbackServer.Builder builder = LoopbackServer.builder().setting("upstream-url", UPSTREAM).setting(name, value);
            Throwable failure = catchDeployment(builder);
            String message = failure == null ? "(deployed)" : failure.getMessage();
            table.add(String.format("| %-18s | %-12s | %s", name, value, failure == null ? "DEPLOYED" : "refused"));
            checks.add(() -> assertTrue(failure != null && message.contains(name),
                    () -> name + "=" + value + " must fail deployment naming " + name + "; got: " + message));
        });
        badUrls().forEach(url -> {
            Throwable failure = catchDeployment(LoopbackServer.builder().setting("upstream-url", url));
            String message = failure == null ? "(deployed)" : failure.getMessage();
            table.add(String.format("| %-18s | %-12s | %s", "upstream-url", url, failure == null ? "DEPLOYED" : "refused"));
            checks.add(() -> assertTrue(failure != null && message.contains("upstream-url"),
                    () -> "upstream-url=" + url + " must fail deployment naming upstream-url; got: " + message));
        });
        System.out.println("\nConfigErrorsIT\n" + String.join("\n", table));
        assertAll(checks);
    }

    @Test
    void allBadSettingsAreListedInOneMessageAndSecretsAreMasked() {
        String secret = "n0t-for-logs-0123456789";
        LoopbackServer.DeploymentFailed failure = assertThrows(LoopbackServer.DeploymentFailed.class, () ->
                LoopbackServer.builder()
                        .setting("upstream-url", "ftp://" + "user:" + secret + "@example.com/token")
                        .setting("ttl", "-1s")
                        .setting("allow-from", "not-a-cidr")
                        .start().close());
        String message = failure.getMessage();
        assertAll(
                () -> assertTrue(message.contains("upstream-url"), message),
                () -> assertTrue(message.contains("ttl"), message),
                () -> assertTrue(message.contains("allow-from"), message),
                () -> assertTrue(!message.contains(secret), () -> "secret echoed: " + message));
    }

    @Test
    void missingUpstreamUrlFailsDeployment() {
        LoopbackServer.DeploymentFailed failure = assertThrows(LoopbackServer.DeploymentFailed.class,
                () -> LoopbackServer.builder().start().close());
        assertTrue(failure.getMessage().contains("upstream-url"), failure::getMessage);
    }

    private static List<String> badUrls() {
        return List.of("ftp://127.0.0.1/token", "not a url", "file:///etc/passwd", "http://");
    }

    private static Throwable catchDeployment(LoopbackServer.Builder builder) {
        try {
            builder.start().close();
            return null;
        } catch (LoopbackServer.DeploymentFailed e) {
            return e;
        }
    }
}
