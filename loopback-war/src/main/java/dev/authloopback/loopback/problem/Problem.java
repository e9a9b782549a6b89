package dev.authloopback.loopback.problem;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loopback-made error as an RFC 9457 problem detail, written by the token servlet or turned into a
 * JAX-RS answer by {@link Problems}. The detail says what happened; callers pass it to logs, so it
 * never holds a token, secret, body or Authorization value.
 */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_PREFIX = "urn:authloopback:problem:";

    private final int status;
    private final String slug;
    private final String title;
    private final String detail;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public Problem(int status, String slug, String title, String detail) {
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.detail = detail;
    }

    /** The {@code type} URI of a problem with this slug (also a span attribute, see LoopbackTracing). */
    public static String type(String slug) {
        return TYPE_PREFIX + slug;
    }

    public String type() {
        return type(slug);
    }

    /** An extra answer header, e.g. {@code Allow} or {@code Retry-After}. */
    public Problem header(String name, Object value) {
        headers.put(name, String.valueOf(value));
        return this;
    }

    public int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }

    /** The problem document; Jackson's encoder quotes the strings, so no input can break the JSON. */
    public String json() {
        JsonStringEncoder quote = JsonStringEncoder.getInstance();
        return "{\"type\":\"" + new String(quote.quoteAsString(TYPE_PREFIX + slug)) + "\",\"title\":\""
                + new String(quote.quoteAsString(title)) + "\",\"status\":" + status + ",\"detail\":\""
                + new String(quote.quoteAsString(detail)) + "\"}";
    }

    /** Writes the whole answer: status, headers, problem body. */
    public void write(HttpServletResponse response) throws IOException {
        byte[] body = json().getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        headers.forEach(response::setHeader);
        response.setContentType(MEDIA_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
