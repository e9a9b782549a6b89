package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.credentials.ClusterKeyRing;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sealed format, version 2: what opens, and every way a stored value can fail to. */
class AeadSealTest {
    private static final String TOKENS = "tokens-v2-default";
    private static final byte[] PLAINTEXT = "{\"access_token\":\"secret-token\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] K1 = filled(1);
    private static final byte[] K2 = filled(2);

    private final AeadSeal seal = new AeadSeal(ring("k1", Map.of("k1", K1)), "auth-loopback");

    @Test
    void aSealedValueOpensToItsNameAndPlaintextAndHidesBoth() {
        String name = seal.name("default:abc");
        byte[] stored = seal.seal(TOKENS, name, PLAINTEXT);

        Seal.Opening opening = seal.open(TOKENS, stored);

        assertTrue(opening.opened(), opening::toString);
        assertEquals(name, opening.name());
        assertArrayEquals(PLAINTEXT, opening.plaintext());
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("secret-token"));
    }

    @Test
    void sealingIsRandomisedSoTheSameValueNeverLooksTheSame() {
        String name = seal.name("default:abc");
        assertFalse(Arrays.equals(seal.seal(TOKENS, name, PLAINTEXT), seal.seal(TOKENS, name, PLAINTEXT)));
    }

    @Test
    void namesAreKeyedHmacsNotDigestsAnyoneCanRecompute() {
        String name = seal.name("default:abc");
        assertEquals(name, seal.name("default:abc"), "stable for one key");
        assertEquals(43, name.length(), name);
        assertFalse(name.contains("default"), name);
        assertNotEquals(name, new AeadSeal(ring("k2", Map.of("k2", K2)), "auth-loopback").name("default:abc"),
                "another sealing key names anew");
    }

    @Test
    void everyFlippedBitIsRefused() {
        byte[] stored = seal.seal(TOKENS, seal.name("default:abc"), PLAINTEXT);
        for (int bit = 0; bit < stored.length * 8; bit++) {
            byte[] changed = stored.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            Seal.Opening opening = seal.open(TOKENS, changed);
            assertFalse(opening.opened(), "bit " + bit + " flipped still opens");
            assertNull(opening.plaintext());
        }
    }

    @Test
    void aKeyIdTheRingDoesNotHoldIsUnknownKey() {
        AeadSeal other = new AeadSeal(ring("k9", Map.of("k9", K2)), "auth-loopback");
        byte[] stored = other.seal(TOKENS, "n", PLAINTEXT);

        assertEquals(Refusal.UNKNOWN_KEY, seal.open(TOKENS, stored).refusal());
    }

    @Test
    void theSameKeyIdWithOtherKeyBytesIsTampered() {
        AeadSeal impostor = new AeadSeal(ring("k1", Map.of("k1", K2)), "auth-loopback");

        assertEquals(Refusal.TAMPERED, seal.open(TOKENS, impostor.seal(TOKENS, "n", PLAINTEXT)).refusal());
    }

    @Test
    void aValueWhoseNameWasRewrittenToAnotherEntryDoesNotOpen() {
        String a = seal.name("default:a");
        String b = seal.name("default:b");
        byte[] stored = seal.seal(TOKENS, a, PLAINTEXT);
        byte[] renamed = new String(stored, StandardCharsets.ISO_8859_1).replace(a, b)
                .getBytes(StandardCharsets.ISO_8859_1);

        assertEquals(Refusal.TAMPERED, seal.open(TOKENS, renamed).refusal());
        // Moved as it is, it opens with its own name: the store sees it is not the entry asked for.
        assertEquals(a, seal.open(TOKENS, stored).name());
    }

    @Test
    void aValueCopiedToAnotherCacheOrEntityDoesNotOpen() {
        byte[] stored = seal.seal(TOKENS, "n", PLAINTEXT);

        assertEquals(Refusal.TAMPERED, seal.open("tokens-v2-partner", stored).refusal());
        assertEquals(Refusal.TAMPERED, seal.open("leases-v2-default", stored).refusal());
        assertEquals(Refusal.TAMPERED, new AeadSeal(ring("k1", Map.of("k1", K1)), "other-entity")
                .open(TOKENS, stored).refusal());
    }

    @Test
    void everyTruncationIsRefusedWithoutAnException() {
        byte[] stored = seal.seal(TOKENS, "n", PLAINTEXT);
        for (int length = 0; length < stored.length; length++) {
            assertFalse(seal.open(TOKENS, Arrays.copyOf(stored, length)).opened(), "truncated to " + length);
        }
    }

    @Test
    void anotherFormatVersionOrAJavaSerializedObjectIsFormat() {
        byte[] stored = seal.seal(TOKENS, "n", PLAINTEXT);
        stored[0] = 1;
        assertEquals(Refusal.FORMAT, seal.open(TOKENS, stored).refusal());
        // What Ehcache's Java serializer wrote before version 2 starts with the stream magic AC ED.
        assertEquals(Refusal.FORMAT, seal.open(TOKENS, new byte[] {(byte) 0xAC, (byte) 0xED, 0, 5}).refusal());
        assertEquals(Refusal.FORMAT, seal.open(TOKENS, new PlainSeal().seal(TOKENS, "n", PLAINTEXT)).refusal());
    }

    @Test
    void rotationOpensWithEveryKeyAndSealsWithTheSealingOne() {
        Map<String, byte[]> both = new LinkedHashMap<>();
        both.put("k1", K1);
        both.put("k2", K2);
        AeadSeal step1 = new AeadSeal(ring("k1", both), "auth-loopback");
        AeadSeal step2 = new AeadSeal(ring("k2", both), "auth-loopback");
        AeadSeal step3 = new AeadSeal(ring("k2", Map.of("k2", K2)), "auth-loopback");

        assertTrue(step1.open(TOKENS, step2.seal(TOKENS, "n", PLAINTEXT)).opened(), "step 1 opens what step 2 seals");
        assertTrue(step2.open(TOKENS, seal.seal(TOKENS, "n", PLAINTEXT)).opened(), "step 2 opens the old key's");
        assertEquals(Refusal.UNKNOWN_KEY, step3.open(TOKENS, seal.seal(TOKENS, "n", PLAINTEXT)).refusal(),
                "step 3 no longer opens the old key's");
        assertEquals(step1.name("x"), seal.name("x"), "names follow the sealing key");
        assertEquals(step2.name("x"), step3.name("x"));
    }

    private static ClusterKeyRing ring(String sealing, Map<String, byte[]> keys) {
        return new ClusterKeyRing(keys, sealing);
    }

    private static byte[] filled(int b) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) b);
        return key;
    }
}
