package dev.authloopback.loopback.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.proxy.TokenRequest;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Cache keys and request digests. The digest covers everything that can change the token: upstream
 * URL, method, content type, normalised body, Authorization and the configured key headers. The
 * default key is that digest; a configured template gives a readable key instead, but the digest is
 * still checked on every hit.
 */
public final class CacheKeys {
    private final LoopbackSettings settings;
    private final KeyTemplate template;
    private final ObjectMapper canonicalJson;

    public CacheKeys(LoopbackSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.template = settings.keyTemplate() == null ? null : KeyTemplate.parse(settings.keyTemplate());
        this.canonicalJson = json.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    }

    /** The cache key: {@code profile:digest} by default, else {@code profile:rendered-template}. */
    public String keyFor(TokenRequest request, String digest) {
        if (template == null) {
            return settings.profile() + ":" + digest;
        }
        return settings.profile() + ":" + template.render(part -> resolve(part, request));
    }

    public String digestOf(TokenRequest request) {
        MessageDigest sha = sha256();
        update(sha, settings.upstreamUrl().toString());
        update(sha, request.method());
        update(sha, request.mediaType());
        update(sha, request.accept());
        update(sha, request.authorization());
        for (String name : settings.keyHeaders()) {
            update(sha, name.toLowerCase(java.util.Locale.ROOT));
            update(sha, request.header(name));
        }
        sha.update(normalisedBody(request));
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A short, one-way id for logs: enough to correlate lines, useless to recover the key. */
    public static String keyId(String key) {
        return HexFormat.of().formatHex(sha256().digest(key.getBytes(StandardCharsets.UTF_8)), 0, 6);
    }

    private byte[] normalisedBody(TokenRequest request) {
        if (request.isForm()) {
            List<String> pairs = new ArrayList<>();
            formPairs(request).forEach(p -> pairs.add(p[0] + "\u0000" + p[1]));
            pairs.sort(null);
            return String.join("\u0001", pairs).getBytes(StandardCharsets.UTF_8);
        }
        if (request.isJson()) {
            try {
                Object tree = canonicalJson.readValue(request.body(), Object.class);
                return canonicalJson.writeValueAsBytes(tree);
            } catch (IOException e) {
                return request.body();
            }
        }
        return request.body();
    }

    private String resolve(KeyTemplate.Part part, TokenRequest request) {
        String value = switch (part.source()) {
            case LITERAL -> part.argument();
            case PROFILE -> settings.profile();
            case ENV -> System.getenv(part.argument());
            case SYS -> System.getProperty(part.argument());
            case HEADER -> request.header(part.argument());
            case FORM -> request.isForm() ? formValue(request, part.argument()) : null;
            case JSON -> request.isJson() ? jsonValue(request, part.argument()) : null;
        };
        return value == null ? "" : value;
    }

    private static String formValue(TokenRequest request, String name) {
        for (String[] pair : formPairs(request)) {
            if (pair[0].equals(name)) {
                return pair[1];
            }
        }
        return null;
    }

    private String jsonValue(TokenRequest request, String pointer) {
        try {
            JsonNode node = canonicalJson.readTree(request.body()).at(pointer);
            return node.isMissingNode() || node.isNull() ? null : node.isValueNode() ? node.asText() : node.toString();
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static List<String[]> formPairs(TokenRequest request) {
        List<String[]> pairs = new ArrayList<>();
        String body = new String(request.body(), StandardCharsets.UTF_8);
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                pairs.add(new String[] {URLDecoder.decode(name, StandardCharsets.UTF_8),
                        URLDecoder.decode(value, StandardCharsets.UTF_8)});
            } catch (IllegalArgumentException e) {
                pairs.add(new String[] {name, value});
            }
        }
        return pairs;
    }

    private static void update(MessageDigest sha, String value) {
        // Length-prefixed so ("ab","c") and ("a","bc") never collide.
        byte[] bytes = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
        sha.update((byte) (value == null ? 0 : 1));
        sha.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
        sha.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

}
