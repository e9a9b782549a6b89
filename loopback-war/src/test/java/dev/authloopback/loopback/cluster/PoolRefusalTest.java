package dev.authloopback.loopback.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.loopback.config.ClusterSettings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

class PoolRefusalTest {

    private static final ClusterSettings SETTINGS = new ClusterSettings(URI.create("terracotta://127.0.0.1:9410/a"),
            "main", 64L * 1024 * 1024, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(5));

    @Test
    void aServerThatCannotCarveThePoolsIsARefusalNamingWhatWasAskedFor() {
        // What Ehcache 3.11 throws from CacheManager.init() against a server with 16 MB of offheap.
        RuntimeException thrown = new IllegalStateException("Initialize failed", new RuntimeException("cluster",
                new Exception("Insufficient defined resources to allocate pool tokens-v2-default=[67108864 bytes from 'main']")));
        assertEquals(Optional.of("Insufficient defined resources to allocate pool tokens-v2-default=[67108864 bytes from 'main']"),
                PoolRefusal.of(thrown));
        assertTrue(PoolRefusal.of(new Exception("Non-existent server side resource 'offheap-x'")).isPresent());
    }

    @Test
    void anUnreachableServerIsNoRefusal() {
        assertEquals(Optional.empty(), PoolRefusal.of(new IllegalStateException("Initialize failed",
                new java.util.concurrent.TimeoutException("Connection timed out"))));
    }

    @Test
    void theAdviceSaysWhatTheWebAppNeedsAndWhatToChange() {
        String advice = PoolRefusal.advice(SETTINGS, 2, 0);
        assertTrue(advice.contains("132 MiB of the server's offheap resource 'main'")
                && advice.contains("2 profile(s) x (cluster-pool-size 64 MiB + 2 MiB")
                && advice.contains("offheap-resources") && advice.contains("loopback.cluster-pool-size"), advice);
    }

    @Test
    void anExchangeProfileAddsItsSubjectIndexToTheAdvice() {
        String advice = PoolRefusal.advice(SETTINGS, 2, 1);
        assertTrue(advice.contains("136 MiB of the server's offheap resource 'main'")
                && advice.contains("1 exchange profile(s) x 4 MiB for the subject index"), advice);
    }

    @Test
    void retriesAfterARefusalDoubleUpToFiveMinutes() {
        assertEquals(Duration.ofSeconds(10), PoolRefusal.next(Duration.ofSeconds(5)));
        assertEquals(PoolRefusal.LONGEST_RETRY, PoolRefusal.next(Duration.ofMinutes(4)));
        assertEquals(PoolRefusal.LONGEST_RETRY, PoolRefusal.next(PoolRefusal.LONGEST_RETRY));
    }
}
