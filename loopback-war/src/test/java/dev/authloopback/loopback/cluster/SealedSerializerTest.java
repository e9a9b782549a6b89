package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;
import dev.authloopback.loopback.credentials.ClusterKeyRing;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Ehcache's clustered store does with the serializer: values round-trip, conditional
 * operations compare decoded values (sealing is randomised), and bytes that do not open come back
 * as such, never as an exception and never through a parser.
 */
class SealedSerializerTest {
    private static final String TOKENS = "tokens-v2-default";
    private final AeadSeal seal = new AeadSeal(new ClusterKeyRing(Map.of("k1", new byte[32]), "k1"), "auth-loopback");
    private final SealedSerializer<CachedToken> tokens = new SealedSerializer<>(() -> seal, TOKENS, ValueCodec.TOKENS);
    private final CachedToken token = new CachedToken(200, "application/json",
            "{\"access_token\":\"t-1\"}".getBytes(StandardCharsets.UTF_8), "digest", "etag", 1_000, 2_000, 3_000, 1_500);

    @Test
    void aTokenRoundTripsAndIsEqualThoughItsBytesDiffer() {
        ClusterValue<CachedToken> mine = ClusterValue.of("n", token);
        ByteBuffer first = tokens.serialize(mine);
        ByteBuffer second = tokens.serialize(ClusterValue.of("n", token));

        ClusterValue<CachedToken> read = tokens.read(first.duplicate());

        assertNotEquals(first, second, "sealing is randomised");
        assertEquals(mine, read, "conditional operations compare decoded values");
        assertEquals(token, read.value());
        assertEquals("n", read.name());
        assertFalse(read.vetted(), "read from the cluster: not checked against replays yet");
        assertTrue(tokens.equals(mine, second.duplicate()));
    }

    @Test
    void readingLeavesTheBufferAsItWasForEhcacheToWriteItOutAgain() {
        ByteBuffer stored = tokens.serialize(ClusterValue.of("n", token));
        int remaining = stored.remaining();

        tokens.read(stored);
        new NameSerializer().read(ByteBuffer.wrap(new byte[] {'a', 'b'}));

        assertEquals(remaining, stored.remaining(), "a chain compaction re-encodes this very buffer");
    }

    @Test
    void aValueReadFromTheClusterIsWrittenBackWithTheBytesItCameWith() {
        ByteBuffer stored = tokens.serialize(ClusterValue.of("n", token));
        ClusterValue<CachedToken> read = tokens.read(stored.duplicate());

        assertEquals(stored, tokens.serialize(read));
    }

    @Test
    void bytesThatDoNotOpenAreAValueEqualOnlyToTheSameBytesAndWrittenBackUnchanged() {
        byte[] stored = bytes(tokens.serialize(ClusterValue.of("n", token)));
        stored[stored.length - 1] ^= 1;

        ClusterValue<CachedToken> bad = tokens.read(ByteBuffer.wrap(stored));

        assertFalse(bad.opened());
        assertEquals(Refusal.TAMPERED, bad.refusal());
        assertEquals(ByteBuffer.wrap(stored), tokens.serialize(bad), "replace(k, bad, new) must find it");
        assertEquals(bad, tokens.read(ByteBuffer.wrap(stored)));
        assertNotEquals(bad, ClusterValue.unopenable(new byte[] {1}, Refusal.TAMPERED));
        assertNotEquals(bad, ClusterValue.of("n", token));
    }

    @Test
    void aJavaSerializedObjectIsNeverDeserialized() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new Tripwire());
        }
        Tripwire.readObjects = 0;

        ClusterValue<CachedToken> read = tokens.read(ByteBuffer.wrap(bytes.toByteArray()));

        assertEquals(Refusal.FORMAT, read.refusal());
        assertEquals(0, Tripwire.readObjects);
    }

    @Test
    void randomBytesNeverThrow() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2_000; i++) {
            byte[] junk = new byte[random.nextInt(200)];
            random.nextBytes(junk);
            if (junk.length > 0 && random.nextBoolean()) {
                junk[0] = AeadSeal.VERSION;
            }
            assertFalse(tokens.read(ByteBuffer.wrap(junk)).opened(), Arrays.toString(junk));
        }
    }

    @Test
    void anAuthenticValueOfAnotherShapeIsFormatNotAnException() {
        SealedSerializer<Lease> leasesUnderTokensAlias = new SealedSerializer<>(() -> seal, TOKENS, ValueCodec.LEASES);
        ByteBuffer lease = leasesUnderTokensAlias.serialize(ClusterValue.of("n", new Lease("node", 1, 2)));

        assertEquals(Refusal.FORMAT, tokens.read(lease).refusal());
    }

    @Test
    void leasesAndMarksRoundTrip() {
        SealedSerializer<Lease> leases = new SealedSerializer<>(() -> seal, "leases-v2-default", ValueCodec.LEASES);
        SealedSerializer<Mark> marks = new SealedSerializer<>(() -> seal, "marks-v2-default", ValueCodec.MARKS);
        Lease lease = new Lease("host/1/loopback#a", -5, 99);
        Mark mark = new Mark(1, 2, Long.MAX_VALUE);

        assertEquals(lease, leases.read(leases.serialize(ClusterValue.of("n", lease))).value());
        // Issue 24: the holder's traceparent travels in the lease, sealed like the rest of it.
        Lease traced = new Lease("host/1/loopback#a", 7, 99, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        ByteBuffer sealed = leases.serialize(ClusterValue.of("n", traced));
        assertFalse(new String(bytes(sealed.duplicate()), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains("0af7651916cd43dd"), "the lease's span context is sealed");
        assertEquals(traced, leases.read(sealed).value());
        assertEquals(mark, marks.read(marks.serialize(ClusterValue.of("n", mark))).value());
        ArrayList<Object> nulls = new ArrayList<>();
        CachedToken sparse = new CachedToken(200, null, new byte[0], "d", null, 1, 2, 3, 4);
        nulls.add(tokens.read(tokens.serialize(ClusterValue.of("n", sparse))).value());
        assertEquals(sparse, nulls.get(0));
    }

    @Test
    void aSubjectIndexRoundTripsSealedAndAnOversizedOneDoesNotOpen() {
        SealedSerializer<SubjectKeys> subjects = new SealedSerializer<>(() -> seal, "subjects-v2-obo", ValueCodec.SUBJECTS);
        SubjectKeys index = SubjectKeys.NONE.with("obo\u0000key-1", 5_000, 0).with("obo\u0000key-2", 9_000, 0);

        ByteBuffer sealed = subjects.serialize(ClusterValue.of("n", index));
        assertFalse(new String(bytes(sealed.duplicate()), StandardCharsets.ISO_8859_1).contains("key-1"),
                "the keys a user's tokens are cached under are sealed");
        assertEquals(index, subjects.read(sealed).value());

        // More keys than an index ever holds: sealed by a buggy node, it still does not open.
        java.util.List<SubjectKeys.Key> many = new ArrayList<>();
        for (int i = 0; i <= SubjectKeys.MAX_KEYS; i++) {
            many.add(new SubjectKeys.Key("k" + i, 1));
        }
        assertEquals(Refusal.FORMAT, subjects.read(subjects.serialize(ClusterValue.of("n", new SubjectKeys(many))))
                .refusal());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** Counts its own deserializations. */
    static final class Tripwire implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        static int readObjects;

        private void readObject(java.io.ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            readObjects++;
        }
    }
}
