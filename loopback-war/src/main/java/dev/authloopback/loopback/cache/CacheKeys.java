package dev.authloopback.loopback.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.loopback.config.KeyTemplate;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.request.TokenRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Cache keys and request digests. The digest covers everything that can change the token: upstream
 * URL, method, content type (media type and its parameters), Accept, Authorization, the configured
 * key headers and the body in canonical form. The default key is that digest; a configured template
 * gives a readable key instead, but the digest is still checked on every hit.
 *
 * <p><b>Exact, never lossy.</b> Two requests share a digest only when they are the same request by
 * this rule: a form body by its {@linkplain FormBody canonical form} (fields by decoded bytes, sorted
 * by name, same-name fields in their order), a JSON body by its {@linkplain JsonBody canonical form}
 * (members sorted, numbers by their literal text). Bodies without one — invalid percent-encoding,
 * invalid JSON or UTF-8, duplicate JSON members, data after the JSON value, other media types — go
 * into the digest as their raw bytes, tagged apart from the canonical forms. Every field is
 * length-prefixed, so no two different requests run together into one digest input.
 *
 * <p>Cost per request is one linear pass over the body (a merge sort of its fields), no text
 * decoding; a form body allocates two small index arrays.
 */
public final class CacheKeys {
    private static final byte RAW = 'R';
    private static final byte FORM = 'F';
    private static final byte JSON = 'J';

    private final LoopbackSettings settings;
    private final KeyTemplate template;
    private final ObjectMapper json;
    private final JsonBody jsonBody;
    /** Never updated, only cloned, so sharing it between request threads is safe. */
    private final MessageDigest pristineSha256 = sha256();

    public CacheKeys(LoopbackSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.template = settings.keyTemplate() == null ? null : KeyTemplate.parse(settings.keyTemplate());
        this.json = json;
        this.jsonBody = new JsonBody(json.getFactory());
    }

    /** The cache key: {@code profile:digest} by default, else {@code profile:rendered-template}. */
    public String keyFor(TokenRequest request, String digest) {
        if (template == null) {
            return settings.profile() + ":" + digest;
        }
        String key = settings.profile() + ":" + template.render(part -> resolve(part, request));
        // Two keys never share a token (RFC 9449): a readable key names the proof's key too.
        return request.dpop() == null ? key : key + ":jkt=" + request.dpop().jkt();
    }

    public String digestOf(TokenRequest request) {
        MessageDigest sha = freshSha256();
        update(sha, settings.upstreamUrl().toString());
        update(sha, request.method());
        update(sha, request.mediaType());
        // The charset parameter decides how the upstream reads the same bytes.
        update(sha, parameters(request.contentType()));
        update(sha, request.accept());
        update(sha, request.authorization());
        for (String name : settings.keyHeaders()) {
            update(sha, name.toLowerCase(java.util.Locale.ROOT));
            update(sha, request.header(name));
        }
        if (request.subject() != null) {
            // Exchange profiles: the keyed digest stands for the subject token, which never enters a key.
            update(sha, request.subject().digest());
        }
        if (request.dpop() != null) {
            update(sha, "dpop-jkt");
            update(sha, request.dpop().jkt());
        }
        body(request, sha);
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A short, one-way id for logs: enough to correlate lines, useless to recover the key. */
    public static String keyId(String key) {
        return HexFormat.of().formatHex(sha256().digest(key.getBytes(StandardCharsets.UTF_8)), 0, 6);
    }

    /** The body goes last, so it needs no length prefix; its tag keeps the three forms apart. */
    private void body(TokenRequest request, MessageDigest sha) {
        byte[] body = request.body();
        if (request.isForm()) {
            FormBody form = FormBody.parse(body);
            if (form.isWellFormed()) {
                sha.update(FORM);
                DigestSink sink = new DigestSink(sha);
                form.writeCanonical(sink);
                sink.flush();
                return;
            }
        } else if (request.isJson()) {
            JsonBody.Bytes canonical = jsonBody.canonical(body);
            if (canonical != null) {
                sha.update(JSON);
                DigestSink sink = new DigestSink(sha);
                canonical.writeTo(sink);
                sink.flush();
                return;
            }
        }
        sha.update(RAW);
        sha.update(body);
    }

    /** Resolved placeholder values are escaped by the template; {@code null} means "absent". */
    private String resolve(KeyTemplate.Part part, TokenRequest request) {
        return switch (part.source()) {
            case LITERAL -> part.argument();
            case PROFILE -> KeyTemplate.escape(settings.profile());
            case ENV -> KeyTemplate.escape(System.getenv(part.argument()));
            case SYS -> KeyTemplate.escape(System.getProperty(part.argument()));
            case HEADER -> KeyTemplate.escape(request.header(part.argument()));
            case FORM -> request.isForm() ? formValue(request, part.argument()) : null;
            case JSON -> request.isJson() ? KeyTemplate.escape(jsonValue(request, part.argument())) : null;
        };
    }

    /** Already in the template's escaped alphabet (unreserved characters and %XX). */
    private static String formValue(TokenRequest request, String name) {
        FormBody form = FormBody.parse(request.body());
        return form.isWellFormed() ? form.canonicalValue(name) : null;
    }

    private String jsonValue(TokenRequest request, String pointer) {
        try {
            JsonNode node = json.readTree(request.body()).at(pointer);
            return node.isMissingNode() || node.isNull() ? null : node.isValueNode() ? node.asText() : node.toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String parameters(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return semicolon < 0 ? null : contentType.substring(semicolon + 1).trim();
    }

    private static void update(MessageDigest sha, String value) {
        // Length-prefixed so ("ab","c") and ("a","bc") never collide.
        byte[] bytes = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
        sha.update((byte) (value == null ? 0 : 1));
        sha.update((byte) (bytes.length >>> 24));
        sha.update((byte) (bytes.length >>> 16));
        sha.update((byte) (bytes.length >>> 8));
        sha.update((byte) bytes.length);
        sha.update(bytes);
    }

    /** A copy of a pristine instance: cheaper than a provider lookup on every request. */
    private MessageDigest freshSha256() {
        try {
            return (MessageDigest) pristineSha256.clone();
        } catch (CloneNotSupportedException e) {
            return sha256();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** Buffers canonical bytes into the digest in blocks rather than one call per byte. */
    private static final class DigestSink implements ByteSink {
        private final MessageDigest sha;
        private final byte[] buffer = new byte[256];
        private int size;

        DigestSink(MessageDigest sha) {
            this.sha = sha;
        }

        @Override
        public void write(int b) {
            buffer[size++] = (byte) b;
            if (size == buffer.length) {
                flush();
            }
        }

        void flush() {
            sha.update(buffer, 0, size);
            size = 0;
        }
    }
}
