package dev.authloopback.filter.internal;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The one place that turns a {@link TokenUnavailableException} into an HTTP answer (RFC 9457). */
public final class Problems {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:authloopback:problem:";

    private Problems() {
    }

    /** 502 when the token endpoint answered with an error status; 503 when no usable answer came at all. */
    public static int status(TokenUnavailableException e) {
        return e.kind() == TokenUnavailableException.Kind.ERROR_STATUS ? 502 : 503;
    }

    public static String json(TokenUnavailableException e) {
        int status = status(e);
        String type;
        String title;
        switch (e.kind()) {
            case ERROR_STATUS -> {
                type = "token-endpoint-error";
                title = "Token endpoint refused the token request";
            }
            case TIMEOUT -> {
                type = "token-endpoint-timeout";
                title = "Token endpoint did not answer in time";
            }
            case MALFORMED -> {
                type = "token-response-malformed";
                title = "Token endpoint answered without a usable token";
            }
            default -> {
                type = "token-endpoint-unreachable";
                title = "Token endpoint unreachable";
            }
        }
        return "{\"type\":\"" + TYPE_PREFIX + type + "\",\"title\":\"" + escape(title) + "\",\"status\":" + status
                + ",\"detail\":\"" + escape(e.detail()) + "\"}";
    }

    /** Writes the problem answer; the caller must not call the chain afterwards. */
    public static void write(HttpServletResponse response, TokenUnavailableException e) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.reset();
        byte[] body = json(e).getBytes(StandardCharsets.UTF_8);
        response.setStatus(status(e));
        response.setContentType(MEDIA_TYPE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(body);
        }
    }

    /**
     * On-behalf-of mode: 401 for a request without a usable user token, or one the loopback did not
     * accept (RFC 6750 §3: {@code WWW-Authenticate: Bearer}); the token itself is never echoed.
     */
    public static void writeUnauthorized(HttpServletResponse response, String type, String title, String detail)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.reset();
        byte[] body = ("{\"type\":\"" + TYPE_PREFIX + type + "\",\"title\":\"" + escape(title)
                + "\",\"status\":401,\"detail\":\"" + escape(detail) + "\"}").getBytes(StandardCharsets.UTF_8);
        response.setStatus(401);
        response.setHeader("WWW-Authenticate", "Bearer");
        response.setContentType(MEDIA_TYPE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(body);
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
