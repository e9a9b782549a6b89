package dev.authloopback.loopback.cache;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The canonical form of a JSON body, for cache keys: object members sorted by name, insignificant
 * whitespace and string escapes gone, everything else exact. Numbers keep their literal text
 * ({@code 1}, {@code 1.0} and {@code 1e0} stay three different bodies; a number beyond double
 * precision is never rounded into another), strings keep every UTF-16 unit (an escaped lone
 * surrogate included).
 *
 * <p>Only a body that is exactly one JSON value has a canonical form. Duplicate member names
 * (parsers differ on which one wins), trailing data after the value, and anything the parser refuses
 * give {@code null}; the caller keys such a body by its raw bytes.
 *
 * <p>The canonical bytes are a tagged, length-prefixed encoding (not JSON), so no two different
 * values share one.
 */
final class JsonBody {
    private final JsonFactory factory;

    JsonBody(JsonFactory factory) {
        this.factory = factory;
    }

    /** @return the canonical bytes, or {@code null} when the body is not exactly one JSON value */
    Bytes canonical(byte[] body) {
        try (JsonParser parser = factory.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            Bytes out = new Bytes(body.length + 16);
            if (!value(parser, first, out) || parser.nextToken() != null) {
                return null;
            }
            return out;
        } catch (IOException | RuntimeException e) {
            // Syntax errors, invalid UTF-8, limits of the parser: no canonical form.
            return null;
        }
    }

    private boolean value(JsonParser parser, JsonToken token, Bytes out) throws IOException {
        switch (token) {
            case START_OBJECT -> {
                return object(parser, out);
            }
            case START_ARRAY -> {
                Bytes elements = new Bytes(64);
                int count = 0;
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    if (t == null || !value(parser, t, elements)) {
                        return false;
                    }
                    count++;
                }
                out.write('a');
                out.writeInt(count);
                out.write(elements);
                return true;
            }
            case VALUE_STRING -> {
                out.write('s');
                out.writeUtf16(parser.getText());
                return true;
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                out.write('n');
                out.writeUtf16(parser.getText());
                return true;
            }
            case VALUE_TRUE -> out.write('t');
            case VALUE_FALSE -> out.write('f');
            case VALUE_NULL -> out.write('z');
            default -> {
                return false;
            }
        }
        return true;
    }

    private boolean object(JsonParser parser, Bytes out) throws IOException {
        List<Member> members = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                return false;
            }
            String name = parser.currentName();
            Bytes value = new Bytes(32);
            JsonToken v = parser.nextToken();
            if (v == null || !value(parser, v, value)) {
                return false;
            }
            members.add(new Member(name, value));
        }
        members.sort((a, b) -> a.name.compareTo(b.name));
        for (int i = 1; i < members.size(); i++) {
            if (members.get(i).name.equals(members.get(i - 1).name)) {
                return false;
            }
        }
        out.write('o');
        out.writeInt(members.size());
        for (Member member : members) {
            out.writeUtf16(member.name);
            out.write(member.value);
        }
        return true;
    }

    private record Member(String name, Bytes value) {
    }

    /** A growable byte buffer that writes itself into a {@link ByteSink}. */
    static final class Bytes {
        private byte[] bytes;
        private int size;

        Bytes(int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        void write(int b) {
            if (size == bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
            }
            bytes[size++] = (byte) b;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        void writeInt(int v) {
            write(v >>> 24);
            write(v >>> 16);
            write(v >>> 8);
            write(v);
        }

        /** Length-prefixed, two bytes per UTF-16 unit: exact for any Java string. */
        void writeUtf16(String s) {
            writeInt(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                write(c >>> 8);
                write(c);
            }
        }

        void write(Bytes other) {
            ensure(other.size);
            System.arraycopy(other.bytes, 0, bytes, size, other.size);
            size += other.size;
        }

        void writeTo(ByteSink sink) {
            for (int i = 0; i < size; i++) {
                sink.write(bytes[i] & 0xff);
            }
        }
    }
}
