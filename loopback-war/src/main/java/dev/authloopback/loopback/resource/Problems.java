package dev.authloopback.loopback.resource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.ws.rs.core.Response;

/**
 * Loopback-made errors as RFC 9457 problem details. The detail says what happened; callers pass
 * it to logs, so it never holds a token, secret, body or Authorization value.
 */
public final class Problems {
    public static final String MEDIA_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:authloopback:problem:";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Problems() {
    }

    public static Response.ResponseBuilder builder(int status, String slug, String title, String detail) {
        ObjectNode problem = JSON.createObjectNode();
        problem.put("type", TYPE_PREFIX + slug);
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        return Response.status(status).type(MEDIA_TYPE).entity(problem.toString());
    }

    public static Response of(int status, String slug, String title, String detail) {
        return builder(status, slug, title, detail).build();
    }
}
