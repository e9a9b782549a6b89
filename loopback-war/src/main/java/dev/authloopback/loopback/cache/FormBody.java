package dev.authloopback.loopback.cache;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An {@code application/x-www-form-urlencoded} body read byte for byte, for cache keys.
 *
 * <p>Parsing follows the WHATWG URL standard (§5.1): fields are separated by {@code &} (empty ones
 * skipped), name and value by the first {@code =}, {@code +} is a space, {@code %XX} is one byte.
 * Unlike a form decoder it never turns bytes into text, so nothing is lost: {@code %E9} and
 * {@code %FF} stay two different bytes instead of collapsing into one U+FFFD, and an encoded
 * {@code %26} or {@code %3D} stays data, never a separator.
 *
 * <p>The canonical form — what goes into the digest — is the fields stably sorted by decoded name
 * (fields of one name keep their order: servers differ on which of them counts), each name and value
 * re-encoded one way ({@code [A-Za-z0-9._~]} as is, every other byte as {@code %XX}, the alphabet of
 * {@link dev.authloopback.loopback.config.KeyTemplate#escape}), a field
 * without {@code =} kept apart from one with an empty value. Two bodies have the same canonical form
 * exactly when every form parser sees the same fields in the same order per name.
 *
 * <p>A body with a {@code %} not followed by two hex digits is {@linkplain #isWellFormed() not
 * well-formed}; parsers disagree about it, so the caller keys it by its raw bytes.
 */
final class FormBody {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private final byte[] body;
    /** Per field: start, index of the first '=' (or -1), end (exclusive). */
    private final int[] fields;
    private final int count;
    private final boolean wellFormed;

    private FormBody(byte[] body, int[] fields, int count, boolean wellFormed) {
        this.body = body;
        this.fields = fields;
        this.count = count;
        this.wellFormed = wellFormed;
    }

    /** One linear pass; the only allocation is the field index. */
    static FormBody parse(byte[] body) {
        int separators = 1;
        for (byte b : body) {
            if (b == '&') {
                separators++;
            }
        }
        int[] fields = new int[separators * 3];
        int count = 0;
        boolean wellFormed = true;
        int start = 0;
        while (start <= body.length) {
            int end = start;
            int eq = -1;
            while (end < body.length && body[end] != '&') {
                byte b = body[end];
                if (b == '=' && eq < 0) {
                    eq = end;
                } else if (b == '%' && (end + 2 >= body.length || hex(body[end + 1]) < 0 || hex(body[end + 2]) < 0)) {
                    wellFormed = false;
                }
                end++;
            }
            if (end > start) {
                fields[count * 3] = start;
                fields[count * 3 + 1] = eq;
                fields[count * 3 + 2] = end;
                count++;
            }
            start = end + 1;
        }
        return new FormBody(body, fields, count, wellFormed);
    }

    boolean isWellFormed() {
        return wellFormed;
    }

    /** Writes the canonical form (see the class comment); only for well-formed bodies. */
    void writeCanonical(ByteSink out) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        // Arrays.sort on objects is a stable merge sort: same-name fields keep their order, O(n log n).
        Arrays.sort(order, (a, b) -> compareNames(a, b));
        for (int i = 0; i < count; i++) {
            int field = order[i];
            if (i > 0) {
                out.write('&');
            }
            int start = fields[field * 3];
            int eq = fields[field * 3 + 1];
            int end = fields[field * 3 + 2];
            encode(start, eq < 0 ? end : eq, out);
            if (eq >= 0) {
                out.write('=');
                encode(eq + 1, end, out);
            }
        }
    }

    /**
     * The first value of the field named {@code name}, canonically encoded (readable for plain ASCII),
     * {@code ""} for a field without {@code =}, or {@code null} when there is no such field.
     */
    String canonicalValue(String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int field = 0; field < count; field++) {
            int start = fields[field * 3];
            int eq = fields[field * 3 + 1];
            int end = fields[field * 3 + 2];
            if (decodedEquals(start, eq < 0 ? end : eq, wanted)) {
                StringBuilder value = new StringBuilder();
                if (eq >= 0) {
                    encode(eq + 1, end, b -> value.append((char) b));
                }
                return value.toString();
            }
        }
        return null;
    }

    private int compareNames(int a, int b) {
        int i = fields[a * 3];
        int iEnd = nameEnd(a);
        int j = fields[b * 3];
        int jEnd = nameEnd(b);
        while (i < iEnd && j < jEnd) {
            int x = decodedAt(i);
            int y = decodedAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += width(i);
            j += width(j);
        }
        return Boolean.compare(i < iEnd, j < jEnd);
    }

    private boolean decodedEquals(int start, int end, byte[] wanted) {
        int k = 0;
        for (int i = start; i < end; i += width(i)) {
            if (k >= wanted.length || decodedAt(i) != (wanted[k++] & 0xff)) {
                return false;
            }
        }
        return k == wanted.length;
    }

    private int nameEnd(int field) {
        int eq = fields[field * 3 + 1];
        return eq < 0 ? fields[field * 3 + 2] : eq;
    }

    /** The decoded byte (0-255) that starts at {@code i}. */
    private int decodedAt(int i) {
        byte b = body[i];
        if (b == '%') {
            return hex(body[i + 1]) << 4 | hex(body[i + 2]);
        }
        return b == '+' ? ' ' : b & 0xff;
    }

    private int width(int i) {
        return body[i] == '%' ? 3 : 1;
    }

    private void encode(int start, int end, ByteSink out) {
        for (int i = start; i < end; i += width(i)) {
            int b = decodedAt(i);
            if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                    || b == '.' || b == '_' || b == '~') {
                out.write(b);
            } else {
                out.write('%');
                out.write(HEX[b >> 4]);
                out.write(HEX[b & 0xf]);
            }
        }
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return -1;
    }
}
