package dev.authloopback.loopback.cluster;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A subject's index in the cluster: what a write keeps, and how big it can get. */
class SubjectKeysTest {

    @Test
    void aWriteAddsItsKeyAndDropsTheKeysWhoseEntriesEnded() {
        SubjectKeys index = SubjectKeys.NONE.with("a", 1_000, 0).with("b", 5_000, 0);

        SubjectKeys later = index.with("c", 9_000, 2_000);

        assertEquals(List.of("b", "c"), later.names(), "a's entry ended at 1000");
        assertEquals(9_000, later.endsAt());
    }

    @Test
    void aKeyStoredAgainIsListedOnceWithItsNewEnd() {
        SubjectKeys index = SubjectKeys.NONE.with("a", 1_000, 0).with("a", 7_000, 500);

        assertEquals(List.of(new SubjectKeys.Key("a", 7_000)), index.keys());
    }

    @Test
    void beyondItsBoundTheSoonestEndingKeysGo() {
        SubjectKeys index = SubjectKeys.NONE;
        for (int i = 1; i <= SubjectKeys.MAX_KEYS + 10; i++) {
            index = index.with("k" + i, 10_000 + i, 0);
        }

        assertEquals(SubjectKeys.MAX_KEYS, index.keys().size());
        assertEquals(false, index.names().contains("k10"), "among the ten soonest to end");
        assertEquals(true, index.names().contains("k11"));
        assertEquals(true, index.names().contains("k" + (SubjectKeys.MAX_KEYS + 10)));
    }
}
