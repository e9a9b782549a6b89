package dev.authloopback.loopback.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A readable cache key such as {@code service-token-{env:ENVIRONMENT}-{form:scope}}. Placeholders:
 * {@code {profile}}, {@code {env:NAME}}, {@code {sys:name}}, {@code {header:Name}},
 * {@code {form:name}}, {@code {json:/pointer}}. A readable key never replaces the safety of the
 * digest: every entry also remembers the digest of the request that filled it.
 *
 * <p>Placeholder values are {@linkplain #escape(String) escaped} into {@code [A-Za-z0-9._~]} and
 * {@code %XX}, so a value never contains a separator such as {@code -} or {@code :}: with
 * {@code {form:a}-{form:b}}, {@code a=x-y&b=z} and {@code a=x&b=y-z} render apart. (Placeholders
 * written next to each other with no literal between them can still run together; the digest check
 * keeps such requests apart anyway.) An absent value ({@value #ABSENT}) differs from an empty one.
 */
public final class KeyTemplate {
    /** What an absent value renders as: no escaped value contains it ('%' is always followed by hex or 'u'). */
    public static final String ABSENT = "%-";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** What a placeholder reads from. */
    public enum Source { LITERAL, PROFILE, ENV, SYS, HEADER, FORM, JSON }

    /** One literal or placeholder piece. */
    public record Part(Source source, String argument) {
    }

    private final List<Part> parts;

    private KeyTemplate(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    /** @throws IllegalArgumentException naming the malformed placeholder */
    public static KeyTemplate parse(String template) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) {
                parts.add(new Part(Source.LITERAL, template.substring(i)));
                break;
            }
            if (open > i) {
                parts.add(new Part(Source.LITERAL, template.substring(i, open)));
            }
            int close = template.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '{' at position " + open);
            }
            parts.add(placeholder(template.substring(open + 1, close)));
            i = close + 1;
        }
        if (parts.stream().allMatch(p -> p.source() == Source.LITERAL && p.argument().isBlank())) {
            throw new IllegalArgumentException("key template is empty");
        }
        if (parts.stream().anyMatch(p -> p.source() == Source.LITERAL && p.argument().indexOf('}') >= 0)) {
            throw new IllegalArgumentException("unmatched '}'");
        }
        return new KeyTemplate(parts);
    }

    private static Part placeholder(String body) {
        if (body.equals("profile")) {
            return new Part(Source.PROFILE, "");
        }
        int colon = body.indexOf(':');
        if (colon <= 0 || colon == body.length() - 1) {
            throw new IllegalArgumentException("placeholder {" + body + "} must be {profile} or {kind:name} with kind"
                    + " env, sys, header, form or json");
        }
        String kind = body.substring(0, colon);
        String argument = body.substring(colon + 1);
        Source source = switch (kind) {
            case "env" -> Source.ENV;
            case "sys" -> Source.SYS;
            case "header" -> Source.HEADER;
            case "form" -> Source.FORM;
            case "json" -> Source.JSON;
            default -> throw new IllegalArgumentException("placeholder {" + body + "}: unknown kind '" + kind
                    + "' (use env, sys, header, form or json)");
        };
        if (source == Source.JSON && !argument.startsWith("/")) {
            throw new IllegalArgumentException("placeholder {" + body + "}: a JSON pointer starts with '/'");
        }
        return new Part(source, argument);
    }

    public List<Part> parts() {
        return parts;
    }

    /**
     * Renders the key; {@code resolver} answers each placeholder already {@linkplain #escape escaped},
     * or {@code null} when it has no value.
     */
    public String render(Function<Part, String> resolver) {
        StringBuilder key = new StringBuilder();
        for (Part part : parts) {
            if (part.source() == Source.LITERAL) {
                key.append(part.argument());
            } else {
                String value = resolver.apply(part);
                key.append(value == null ? ABSENT : value);
            }
        }
        return key.toString();
    }

    /**
     * A value in the key's alphabet: {@code [A-Za-z0-9._~]} as is, other characters as {@code %XX}
     * per UTF-8 byte, a lone surrogate as {@code %uXXXX}. Different strings give different results.
     *
     * @return {@code null} for {@code null}
     */
    public static String escape(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == '~';
            if (plain) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(value.length() + 16).append(value, 0, i);
            }
            int codePoint = c;
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                codePoint = Character.toCodePoint(c, value.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append("%u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                        .append(HEX[c & 0xf]);
                continue;
            }
            for (byte b : new String(Character.toChars(codePoint)).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                out.append('%').append(HEX[b >> 4 & 0xf]).append(HEX[b & 0xf]);
            }
        }
        return out == null ? value : out.toString();
    }
}
