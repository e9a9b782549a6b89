package dev.authloopback.loopback.cluster;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ClusterWalksTest {

    @Test
    void aWalkThatAnswersInTimeGivesItsResult() {
        try (ClusterWalks walks = new ClusterWalks(Duration.ofSeconds(5))) {
            assertEquals(42L, walks.walk(() -> 42L));
        }
    }

    @Test
    void aWalkThatFailsGivesNull() {
        try (ClusterWalks walks = new ClusterWalks(Duration.ofSeconds(5))) {
            assertNull(walks.walk(() -> {
                throw new IllegalStateException("the server went away mid-walk");
            }));
        }
    }

    @Test
    void aWalkThatTakesLongerThanTheTimeoutGivesNull() {
        CountDownLatch stuck = new CountDownLatch(1);
        try (ClusterWalks walks = new ClusterWalks(Duration.ofMillis(50))) {
            assertNull(walks.walk(() -> {
                try {
                    stuck.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 1L;
            }));
        } finally {
            stuck.countDown();
        }
    }

    @Test
    void afterCloseAWalkGivesNullAtOnce() {
        ClusterWalks walks = new ClusterWalks(Duration.ofSeconds(5));
        walks.close();

        assertNull(walks.walk(() -> 42L));
    }
}
