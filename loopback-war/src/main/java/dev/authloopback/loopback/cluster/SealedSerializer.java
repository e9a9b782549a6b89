package dev.authloopback.loopback.cluster;

import org.ehcache.spi.serialization.Serializer;

import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The value serializer of a clustered cache: seals what this node writes, opens what it reads.
 * Whatever bytes come from the server, {@link #read} never throws and never hands them to a parser
 * before their tag verified: a value that does not open comes back as such, and the store treats it
 * as absent (and replaces it). A value read from the cluster is written back with the bytes it came
 * with, so Ehcache's chain compaction and conditional operations pass it on unchanged.
 */
final class SealedSerializer<V> implements Serializer<ClusterValue<V>> {
    private final Supplier<Seal> seal;
    private final String cache;
    private final ValueCodec<V> codec;

    SealedSerializer(Supplier<Seal> seal, String cache, ValueCodec<V> codec) {
        this.seal = seal;
        this.cache = cache;
        this.codec = codec;
    }

    @Override
    public ByteBuffer serialize(ClusterValue<V> value) {
        byte[] stored = value.stored();
        if (stored == null) {
            stored = seal.get().seal(cache, value.name(), codec.encode(value.value()));
            value.sealedAs(stored);
        }
        return ByteBuffer.wrap(stored);
    }

    /**
     * Reads without moving {@code binary}'s position: Ehcache keeps the buffer it decoded and writes
     * it out again as it stands when it compacts a chain, and a consumed buffer would go out empty.
     */
    @Override
    public ClusterValue<V> read(ByteBuffer binary) {
        byte[] stored = new byte[binary.remaining()];
        binary.duplicate().get(stored);
        Seal.Opening opening = seal.get().open(cache, stored);
        if (!opening.opened()) {
            return ClusterValue.unopenable(stored, opening.refusal());
        }
        V value;
        try {
            value = codec.decode(opening.plaintext());
        } catch (IllegalArgumentException e) {
            // Authentic but not a value of this cache: a node of another version wrote it.
            return ClusterValue.unopenable(stored, Refusal.FORMAT);
        }
        return ClusterValue.opened(opening.name(), value, stored);
    }

    @Override
    public boolean equals(ClusterValue<V> object, ByteBuffer binary) {
        return object.equals(read(binary));
    }
}
