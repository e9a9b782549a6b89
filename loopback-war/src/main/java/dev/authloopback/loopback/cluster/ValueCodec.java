package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.cache.CachedToken;
import dev.authloopback.loopback.cache.Lease;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The plaintext of a clustered value in an explicit byte format (big-endian fields, length-prefixed
 * strings and bytes). Decoded only after the value's tag verified; still bounded, so a value sealed by
 * a buggy node cannot ask for more memory than it holds.
 */
interface ValueCodec<V> {
    ValueCodec<CachedToken> TOKENS = new ValueCodec<>() {
        @Override
        public void write(CachedToken t, DataOutputStream out) throws IOException {
            out.writeInt(t.status());
            string(out, t.contentType());
            bytes(out, t.body());
            string(out, t.requestDigest());
            string(out, t.etag());
            out.writeLong(t.storedAt());
            out.writeLong(t.freshUntil());
            out.writeLong(t.validUntil());
            out.writeLong(t.refreshFrom());
        }

        @Override
        public CachedToken read(DataInputStream in, int size) throws IOException {
            return new CachedToken(in.readInt(), string(in, size), bytes(in, size), string(in, size), string(in, size),
                    in.readLong(), in.readLong(), in.readLong(), in.readLong());
        }
    };

    ValueCodec<Lease> LEASES = new ValueCodec<>() {
        @Override
        public void write(Lease lease, DataOutputStream out) throws IOException {
            string(out, lease.holder());
            out.writeLong(lease.nonce());
            out.writeLong(lease.deadline());
            string(out, lease.span());
        }

        @Override
        public Lease read(DataInputStream in, int size) throws IOException {
            String holder = string(in, size);
            long nonce = in.readLong();
            long deadline = in.readLong();
            // A lease written by a node from before tracing ends here.
            return new Lease(holder, nonce, deadline, in.available() > 0 ? string(in, size) : null);
        }
    };

    ValueCodec<Mark> MARKS = new ValueCodec<>() {
        @Override
        public void write(Mark mark, DataOutputStream out) throws IOException {
            out.writeLong(mark.claimedAt());
            out.writeLong(mark.notBefore());
            out.writeLong(mark.until());
        }

        @Override
        public Mark read(DataInputStream in, int size) throws IOException {
            return new Mark(in.readLong(), in.readLong(), in.readLong());
        }
    };

    ValueCodec<SubjectKeys> SUBJECTS = new ValueCodec<>() {
        @Override
        public void write(SubjectKeys index, DataOutputStream out) throws IOException {
            out.writeInt(index.keys().size());
            for (SubjectKeys.Key key : index.keys()) {
                string(out, key.key());
                out.writeLong(key.endsAt());
            }
        }

        @Override
        public SubjectKeys read(DataInputStream in, int size) throws IOException {
            int count = in.readInt();
            if (count < 0 || count > SubjectKeys.MAX_KEYS) {
                throw new IOException("bad count");
            }
            java.util.List<SubjectKeys.Key> keys = new java.util.ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String key = string(in, size);
                if (key == null) {
                    throw new IOException("no key");
                }
                keys.add(new SubjectKeys.Key(key, in.readLong()));
            }
            return new SubjectKeys(keys);
        }
    };

    void write(V value, DataOutputStream out) throws IOException;

    V read(DataInputStream in, int size) throws IOException;

    default byte[] encode(V value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(value, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException when the bytes are not one value of this codec, exactly */
    default V decode(byte[] plaintext) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plaintext))) {
            V value = read(in, plaintext.length);
            if (in.available() != 0) {
                throw new IllegalArgumentException("trailing bytes");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a value of this cache: " + e.getClass().getSimpleName());
        }
    }

    private static void string(DataOutputStream out, String value) throws IOException {
        bytes(out, value == null ? null : value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value == null ? -1 : value.length);
        if (value != null) {
            out.write(value);
        }
    }

    private static String string(DataInputStream in, int size) throws IOException {
        byte[] bytes = bytes(in, size);
        return bytes == null ? null : new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] bytes(DataInputStream in, int size) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > size) {
            throw new IOException("bad length");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
