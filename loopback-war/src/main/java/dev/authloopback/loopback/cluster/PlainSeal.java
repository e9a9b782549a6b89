package dev.authloopback.loopback.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code cluster-unsealed=true}: values in an explicit byte format (never Java serialization), but
 * neither encrypted nor authenticated, under their local keys. Whoever reaches the Terracotta port
 * reads and changes them at will; for trusted networks and trying things out only.
 *
 * <pre>
 * byte     version (0x12: format 2, unsealed)
 * uint16   length of the entry's name, then the name (UTF-8)
 * rest     the plaintext
 * </pre>
 */
final class PlainSeal implements Seal {
    static final byte VERSION = 0x12;

    @Override
    public String name(String localKey) {
        return localKey;
    }

    @Override
    public byte[] seal(String cache, String name, byte[] plaintext) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(3 + nameBytes.length + plaintext.length).put(VERSION)
                .putShort((short) nameBytes.length).put(nameBytes).put(plaintext).array();
    }

    @Override
    public Opening open(String cache, byte[] stored) {
        ByteBuffer in = ByteBuffer.wrap(stored);
        if (in.remaining() < 3 || in.get() != VERSION) {
            return Opening.refused(Refusal.FORMAT);
        }
        int nameLength = in.getShort() & 0xFFFF;
        if (in.remaining() < nameLength) {
            return Opening.refused(Refusal.TAMPERED);
        }
        byte[] name = new byte[nameLength];
        in.get(name);
        byte[] plaintext = new byte[in.remaining()];
        in.get(plaintext);
        return new Opening(new String(name, StandardCharsets.UTF_8), plaintext, null);
    }

    @Override
    public String describe() {
        return "UNSEALED (cluster-unsealed=true: tokens readable and changeable by whoever reaches the server)";
    }
}
