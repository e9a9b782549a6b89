package dev.authloopback.loopback.cluster;

import org.ehcache.spi.serialization.Serializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The key serializer of the clustered caches: names as UTF-8 bytes. Reading never fails, whatever
 * another process wrote (malformed bytes become replacement characters, a name no node asks for),
 * so a planted key can never make a read of the chain it shares fail.
 */
final class NameSerializer implements Serializer<String> {

    @Override
    public ByteBuffer serialize(String name) {
        return ByteBuffer.wrap(name.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String read(ByteBuffer binary) {
        byte[] bytes = new byte[binary.remaining()];
        // Not moving the position: Ehcache may write the same buffer out again (see SealedSerializer).
        binary.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(String object, ByteBuffer binary) {
        return object.equals(read(binary));
    }
}
