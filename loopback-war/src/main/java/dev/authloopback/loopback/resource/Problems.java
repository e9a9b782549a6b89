package dev.authloopback.loopback.resource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Loopback-made errors as RFC 9457 problem details. The detail says what happened; callers pass
 * it to logs, so it never holds a token, secret, body or Authorization value.
 */
public final class Problems {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:auth-loopback:problem:";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Problems() {
    }

    public static Response.ResponseBuilder builder(int status, String slug, String title, String detail) {
        return Response.status(status).type(MEDIA_TYPE).entity(json(status, slug, title, detail));
    }

    /**
     * The same problem written straight to a servlet response, for answers given outside JAX-RS
     * (servlet filters, the error page), with the {@code no-store} headers of every answer.
     */
    public static void write(HttpServletResponse response, int status, String slug, String title, String detail)
            throws IOException {
        byte[] body = json(status, slug, title, detail).getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(MEDIA_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Pragma", "no-cache");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static String json(int status, String slug, String title, String detail) {
        ObjectNode problem = JSON.createObjectNode();
        problem.put("type", TYPE_PREFIX + slug);
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        return problem.toString();
    }

    public static Response of(int status, String slug, String title, String detail) {
        return builder(status, slug, title, detail).build();
    }
}
