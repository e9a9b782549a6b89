package dev.authloopback.loopback.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.authloopback.loopback.config.LoopbackConfiguration;
import dev.authloopback.loopback.config.SettingsSources;
import dev.authloopback.loopback.request.TokenRequest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import org.eclipse.jetty.util.UrlEncoded;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The cache key is exact: two request bodies share a digest only when they are the same request.
 *
 * <p>The rule ("semantically identical"), checked against independent parsers:
 * <ul>
 *   <li>form bodies: Jetty's form decoder, run byte for byte (ISO-8859-1, so no UTF-8 collapsing),
 *       sees the same fields with the same values in the same order per name; field names may come
 *       in any order, a byte may be written plain or as {@code %XX}, a space as {@code +} or
 *       {@code %20}, empty fields ({@code &&}) don't count;</li>
 *   <li>JSON bodies: Jackson, refusing duplicate members and trailing data and reading numbers
 *       exactly, builds equal trees; member order, whitespace and string escapes don't count;</li>
 *   <li>anything else: the same bytes.</li>
 * </ul>
 * Soundness: pairs of arbitrary (hostile) bodies never share a digest unless the rule says they
 * are the same. Completeness: different writings of one form or JSON value do share one.
 */
class CacheKeyPropertiesTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String JSON = "application/json";
    private static final ObjectReader STRICT_JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build().reader();

    private final CacheKeys keys = new CacheKeys(LoopbackConfiguration.from(SettingsSources.of(Map.of(), Map.of(),
            Map.of("loopback.upstream-url", "http://127.0.0.1:9/token"))).defaultProfile(), new ObjectMapper());

    @Property(tries = 2000)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void twoFormBodiesShareADigestOnlyWhenAFormParserSeesTheSameFields(@ForAll("formPairs") Tuple.Tuple2<byte[], byte[]> pair) {
        byte[] a = pair.get1();
        byte[] b = pair.get2();
        boolean shared = digest(FORM, a).equals(digest(FORM, b));
        if (shared) {
            assertTrue(Arrays.equals(a, b) || sameFormFields(a, b),
                    () -> "one digest for " + show(a) + " and " + show(b));
        }
        // Not vacuous: different bytes that rightly share a digest do occur.
        Statistics.collect(shared && !Arrays.equals(a, b) ? "same fields, other bytes" : "other");
        Statistics.coverage(c -> c.check("same fields, other bytes").count(n -> n >= 50));
    }

    @Property(tries = 1000)
    void everyWritingOfOneFormSharesOneDigest(@ForAll("formModels") List<Field> fields, @ForAll long seed) {
        Random random = new Random(seed);
        byte[] one = render(fields, random);
        byte[] other = render(reorderNames(fields, random), random);
        assertEquals(digest(FORM, one), digest(FORM, other), () -> show(one) + " vs " + show(other));
    }

    @Property(tries = 2000)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void twoJsonBodiesShareADigestOnlyWhenTheyAreTheSameValue(@ForAll("jsonPairs") Tuple.Tuple2<String, String> pair) {
        byte[] a = pair.get1().getBytes(StandardCharsets.UTF_8);
        byte[] b = pair.get2().getBytes(StandardCharsets.UTF_8);
        boolean shared = digest(JSON, a).equals(digest(JSON, b));
        if (shared) {
            assertTrue(Arrays.equals(a, b) || sameJson(a, b), () -> "one digest for " + pair.get1() + " and " + pair.get2());
        }
        Statistics.collect(shared && !Arrays.equals(a, b) ? "same value, other bytes" : "other");
        Statistics.coverage(c -> c.check("same value, other bytes").count(n -> n >= 10));
    }

    @Property(tries = 500)
    void everyWritingOfOneJsonValueSharesOneDigest(@ForAll("jsonModels") Object value, @ForAll long seed) {
        Random random = new Random(seed);
        String one = write(value, random);
        String other = write(value, random);
        assertEquals(digest(JSON, one.getBytes(StandardCharsets.UTF_8)), digest(JSON, other.getBytes(StandardCharsets.UTF_8)),
                () -> one + " vs " + other);
    }

    // ---- forms ----------------------------------------------------------------------------------

    /** One field of a form model: raw bytes of name and value; no '=' at all when value is null. */
    record Field(byte[] name, byte[] value) {
        @Override
        public String toString() {
            return HexFormat.of().formatHex(name) + "=" + (value == null ? "<none>" : HexFormat.of().formatHex(value));
        }
    }

    @Provide
    Arbitrary<Tuple.Tuple2<byte[], byte[]>> formPairs() {
        // Bytes that matter to form parsing, plus some that don't; near misses come from mutation.
        Arbitrary<byte[]> body = Arbitraries.of("a", "b", "=", "&", "%", "+", " ", "2", "5", "6", "1", "E", "F", "f",
                        "%26", "%3D", "%25", "%2B", "%20", "%00", "%01", "%E9", "%FF", "%C3%A9", "\u00e9", "%zz", "%6")
                .list().ofMaxSize(12)
                .map(parts -> String.join("", parts).getBytes(StandardCharsets.UTF_8));
        Arbitrary<Tuple.Tuple2<byte[], byte[]>> independent = Combinators.combine(body, body).as(Tuple::of);
        Arbitrary<Tuple.Tuple2<byte[], byte[]>> mutated = Combinators.combine(body, Arbitraries.longs())
                .as((b, seed) -> Tuple.of(b, mutate(b, new Random(seed))));
        return Arbitraries.oneOf(independent, mutated);
    }

    @Provide
    Arbitrary<List<Field>> formModels() {
        Arbitrary<byte[]> bytes = Arbitraries.of((byte) 'a', (byte) 'b', (byte) '=', (byte) '&', (byte) '%',
                (byte) '+', (byte) ' ', (byte) 0, (byte) 1, (byte) 0xE9, (byte) 0xFF, (byte) '~', (byte) '-')
                .list().ofMaxSize(4).map(CacheKeyPropertiesTest::toBytes);
        Arbitrary<Field> field = Combinators.combine(bytes, bytes, Arbitraries.of(true, false))
                .as((n, v, eq) -> new Field(n, eq ? v : null));
        return field.list().ofMaxSize(5);
    }

    /** Same fields, written another way: a same-form mutation the rule calls identical, or a real change. */
    private static byte[] mutate(byte[] body, Random random) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        return switch (random.nextInt(6)) {
            case 0 -> (text + "&").getBytes(StandardCharsets.ISO_8859_1);
            case 1 -> text.replace("+", "%20").getBytes(StandardCharsets.ISO_8859_1);
            case 2 -> text.replace("a", "%61").getBytes(StandardCharsets.ISO_8859_1);
            case 3 -> {
                String[] fields = text.split("&", -1);
                java.util.Collections.reverse(Arrays.asList(fields));
                yield String.join("&", fields).getBytes(StandardCharsets.ISO_8859_1);
            }
            case 4 -> text.replace("%26", "&").getBytes(StandardCharsets.ISO_8859_1);
            default -> text.replace("%E9", "%e9").getBytes(StandardCharsets.ISO_8859_1);
        };
    }

    /** Writes each byte plain or percent-encoded at random, spaces as '+' or %20, with stray empty fields. */
    private static byte[] render(List<Field> fields, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Field field : fields) {
            if (random.nextInt(4) == 0) {
                out.write('&');
            }
            out.writeBytes(encode(field.name(), random));
            if (field.value() != null) {
                out.write('=');
                out.writeBytes(encode(field.value(), random));
            }
            out.write('&');
        }
        return out.toByteArray();
    }

    private static byte[] encode(byte[] raw, Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : raw) {
            int c = b & 0xff;
            boolean mustEncode = c == '&' || c == '=' || c == '%' || c == '+' || c < 0x21 || c > 0x7e;
            if (c == ' ' && random.nextBoolean()) {
                out.write('+');
            } else if (mustEncode || random.nextInt(3) == 0) {
                String hex = String.format(random.nextBoolean() ? "%%%02X" : "%%%02x", c);
                out.writeBytes(hex.getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    /** Shuffles the fields, keeping the order of fields with the same name. */
    private static List<Field> reorderNames(List<Field> fields, Random random) {
        Map<String, List<Field>> byName = new LinkedHashMap<>();
        for (Field f : fields) {
            byName.computeIfAbsent(HexFormat.of().formatHex(f.name()), k -> new ArrayList<>()).add(f);
        }
        List<List<Field>> groups = new ArrayList<>(byName.values());
        List<Field> out = new ArrayList<>();
        while (!groups.isEmpty()) {
            int i = random.nextInt(groups.size());
            out.add(groups.get(i).remove(0));
            if (groups.get(i).isEmpty()) {
                groups.remove(i);
            }
        }
        return out;
    }

    /** The oracle: Jetty's form decoder, byte for byte (ISO-8859-1 maps each byte to one char). */
    private static boolean sameFormFields(byte[] a, byte[] b) {
        Map<String, List<String>> one = jettyFields(a);
        Map<String, List<String>> other = jettyFields(b);
        return one != null && one.equals(other);
    }

    private static Map<String, List<String>> jettyFields(byte[] body) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        try {
            UrlEncoded.decodeTo(new String(body, StandardCharsets.ISO_8859_1),
                    (name, value) -> fields.computeIfAbsent(name, k -> new ArrayList<>()).add(value),
                    StandardCharsets.ISO_8859_1);
        } catch (RuntimeException malformed) {
            return null;
        }
        return fields;
    }

    private static byte[] toBytes(List<Byte> list) {
        byte[] bytes = new byte[list.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = list.get(i);
        }
        return bytes;
    }

    // ---- JSON -----------------------------------------------------------------------------------

    @Provide
    Arbitrary<Tuple.Tuple2<String, String>> jsonPairs() {
        Arbitrary<String> value = Arbitraries.of("1", "1.0", "1e0", "1E0", "-0", "0", "1.00000000000000000001",
                "12345678901234567890.5", "12345678901234567891.5", "1e309", "\"a\"", "\"\\u0061\"", "\"\\ud800\"",
                "\"\\udbff\"", "\"\u00e9\"", "\"\\u00e9\"", "true", "null", "[]", "{}", "[1,2]", "[2,1]");
        Arbitrary<String> key = Arbitraries.of("\"scope\"", "\"a\"", "\"\\u0061\"", "\"b\"");
        Arbitrary<String> member = Combinators.combine(key, value).as((k, v) -> k + ":" + v);
        Arbitrary<String> object = member.list().ofMaxSize(3).map(m -> "{" + String.join(",", m) + "}");
        Arbitrary<String> trailing = Arbitraries.of("", "", "", " ", " {}", "x", "]", " 1");
        Arbitrary<String> document = Combinators.combine(Arbitraries.oneOf(object, value), trailing).as(String::concat);
        Arbitrary<Tuple.Tuple2<String, String>> independent = Combinators.combine(document, document).as(Tuple::of);
        Arbitrary<Tuple.Tuple2<String, String>> rewritten = Combinators.combine(document, Arbitraries.integers().between(0, 3))
                .as((d, how) -> Tuple.of(d, switch (how) {
                    case 0 -> " " + d.replace(":", " : ").replace(",", ", ") + "\n";
                    case 1 -> d.replace("\"a\"", "\"\\u0061\"");
                    case 2 -> d.replace("\"\\u00e9\"", "\"\u00e9\"");
                    default -> d.replace("1.0", "1.00");
                }));
        return Arbitraries.oneOf(independent, rewritten);
    }

    /** Oracle: Jackson with duplicate members and trailing data refused, numbers exact. */
    private static boolean sameJson(byte[] a, byte[] b) {
        try {
            JsonNode one = STRICT_JSON.readTree(a);
            JsonNode other = STRICT_JSON.readTree(b);
            return one != null && !one.isMissingNode() && one.equals(other);
        } catch (Exception invalid) {
            return false;
        }
    }

    @Provide
    Arbitrary<Object> jsonModels() {
        Arbitrary<Object> leaf = Arbitraries.oneOf(
                Arbitraries.of("1", "1.0", "-2.5e3", "0", "98765432109876543210").map(Number::new),
                Arbitraries.strings().withChars("ab\"\\/\u00e9\u0001\ud800\n ").ofMaxLength(4).map(s -> (Object) s),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(Null.NULL));
        Arbitrary<Object> level1 = Arbitraries.oneOf(leaf, objects(leaf), leaf.list().ofMaxSize(3).map(l -> (Object) l));
        return Arbitraries.oneOf(objects(level1), level1.list().ofMaxSize(3).map(l -> (Object) l));
    }

    private static Arbitrary<Object> objects(Arbitrary<Object> values) {
        return Arbitraries.maps(Arbitraries.strings().withChars("ab\u00e9\"").ofMaxLength(3), values).ofMaxSize(4)
                .map(m -> (Object) m);
    }

    /** A number by its literal text, so the model keeps 1.0 and 1 apart. */
    record Number(String literal) {
    }

    enum Null { NULL }

    /** Random whitespace, member order and string escapes; the same value every time. */
    private static String write(Object value, Random random) {
        StringBuilder out = new StringBuilder();
        write(value, random, out);
        return out.toString();
    }

    private static void write(Object value, Random random, StringBuilder out) {
        space(random, out);
        if (value instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> members = new ArrayList<>(map.entrySet());
            java.util.Collections.shuffle(members, random);
            out.append('{');
            for (int i = 0; i < members.size(); i++) {
                out.append(i > 0 ? "," : "");
                space(random, out);
                string((String) members.get(i).getKey(), random, out);
                space(random, out);
                out.append(':');
                write(members.get(i).getValue(), random, out);
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                out.append(i > 0 ? "," : "");
                write(list.get(i), random, out);
            }
            out.append(']');
        } else if (value instanceof String s) {
            string(s, random, out);
        } else if (value instanceof Number n) {
            out.append(n.literal());
        } else if (value instanceof Boolean b) {
            out.append(b);
        } else {
            out.append("null");
        }
        space(random, out);
    }

    private static void string(String s, Random random, StringBuilder out) {
        out.append('"');
        for (char c : s.toCharArray()) {
            boolean mustEscape = c == '"' || c == '\\' || c < 0x20 || Character.isSurrogate(c);
            if (mustEscape || random.nextInt(4) == 0) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static void space(Random random, StringBuilder out) {
        if (random.nextBoolean()) {
            out.append(random.nextBoolean() ? " " : "\n\t");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private String digest(String contentType, byte[] body) {
        return keys.digestOf(new TokenRequest("POST", contentType, null, "Basic cHJvcDpwcm9w", Map.of(), body));
    }

    private static String show(byte[] body) {
        return "'" + new String(body, StandardCharsets.ISO_8859_1) + "' (" + HexFormat.of().formatHex(body) + ")";
    }
}
