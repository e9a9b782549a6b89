package dev.authloopback.loopback.cluster;

import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.MutableClock;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RefusalsTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final Refusals refusals = new Refusals(clock);

    @Test
    void everyRefusalIsCountedByCacheKindAndReason() {
        refusals.refused("tokens-v2-default", Refusal.TAMPERED);
        refusals.refused("tokens-v2-partner", Refusal.TAMPERED);
        refusals.refused("leases-v2-default", Refusal.FORMAT);

        assertEquals(Map.of("tokens", Map.of("tampered", 2L), "leases", Map.of("format", 1L)), refusals.counts());
    }

    @Test
    void oneLinePerIntervalSayingHowManyMoreWereRefusedAndNothingOfTheEntry() {
        try (LogCapture logs = LogCapture.start(Level.WARNING, "dev.authloopback.loopback.cluster")) {
            for (int i = 0; i < 50; i++) {
                refusals.refused("tokens-v2-default", Refusal.TAMPERED);
            }
            assertEquals(1, logs.linesContaining("cluster value refused").size(), logs::text);

            clock.advance(Refusals.LOG_INTERVAL);
            refusals.refused("marks-v2-default", Refusal.REPLAYED);

            List<String> lines = logs.linesContaining("cluster value refused");
            assertEquals(2, lines.size(), logs::text);
            assertTrue(lines.get(1).contains("(marks-v2-default: replayed)") && lines.get(1).contains("49 more refused"),
                    lines::toString);
        }
    }
}
