package dev.authloopback.loopback.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A readable cache key such as {@code service-token-{env:ENVIRONMENT}-{form:scope}}. Placeholders:
 * {@code {profile}}, {@code {env:NAME}}, {@code {sys:name}}, {@code {header:Name}},
 * {@code {form:name}}, {@code {json:/pointer}}. A readable key never replaces the safety of the
 * digest: every entry also remembers the digest of the request that filled it.
 */
public final class KeyTemplate {

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

    /** Renders the key; {@code resolver} answers each placeholder ({@code ""} when it has no value). */
    public String render(Function<Part, String> resolver) {
        StringBuilder key = new StringBuilder();
        for (Part part : parts) {
            key.append(part.source() == Source.LITERAL ? part.argument() : resolver.apply(part));
        }
        return key.toString();
    }
}
