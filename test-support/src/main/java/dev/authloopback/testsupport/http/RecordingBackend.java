package dev.authloopback.testsupport.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * The business app's backend: records every {@code Authorization} header it receives, decodes
 * the JWT claims when the bearer token is a JWT, and answers JSON of what it saw (never the token
 * itself). It can be told to answer 401 to a given token a number of times (a token revoked
 * upstream). The backend of the embedded scenarios (it-tests) and of the standalone servers'
 * business apps (deployment-tests) alike.
 */
public final class RecordingBackend implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEARER = "Bearer ";

    private final Server server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> rejections = new ConcurrentHashMap<>();

    private RecordingBackend() {
        server = Jetty.server("recording-backend");
        server.setHandler(new RecordingHandler());
    }

    public static RecordingBackend start() {
        RecordingBackend backend = new RecordingBackend();
        try {
            backend.server.start();
        } catch (Exception e) {
            Jetty.stop(backend.server);
            throw new IllegalStateException("starting the recording backend", e);
        }
        return backend;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + Jetty.port(server) + "/backend");
    }

    /** Everything received so far, in arrival order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** The {@code Authorization} headers received so far, in order; {@code "(none)"} for a request without one. */
    public List<String> authorizations() {
        return seen.stream().map(s -> s.authorization() == null ? "(none)" : s.authorization()).toList();
    }

    /** Answers 401 the next {@code times} requests that carry {@code token}. */
    public void reject(String token, int times) {
        rejections.put(Objects.requireNonNull(token, "token"), times);
    }

    @Override
    public void close() {
        Jetty.stop(server);
    }

    /**
     * One request as the backend saw it. {@code token} is the bearer token (null without a
     * Bearer header); {@code claims} its JWT payload (empty when not a JWT).
     */
    public record Seen(String authorization, String token, Map<String, Object> claims, int answeredStatus) {

        public Object jti() {
            return claims.get("jti");
        }

        public Object iat() {
            return claims.get("iat");
        }

        @Override
        public String toString() {
            // Never print the token itself: a short fingerprint identifies it in messages.
            return "Seen[token#" + (token == null ? "none" : Integer.toHexString(token.hashCode()))
                    + ", jti=" + jti() + ", iat=" + iat() + ", status=" + answeredStatus + "]";
        }
    }

    static Map<String, Object> claimsOf(String token) {
        if (token == null) {
            return Map.of();
        }
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return Map.of();
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
            return JSON.readValue(payload, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Map.of();
        }
    }

    private final class RecordingHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            String token = authorization != null && authorization.startsWith(BEARER)
                    ? authorization.substring(BEARER.length()) : null;
            Map<String, Object> claims = claimsOf(token);
            int status = token != null && takeRejection(token) ? 401 : 200;
            seen.add(new Seen(authorization, token, claims, status));

            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("authorization", authorization == null ? null : authorization.startsWith(BEARER) ? "Bearer" : "other");
            answer.put("jti", claims.get("jti"));
            answer.put("iat", claims.get("iat"));
            answer.put("sub", claims.get("sub"));
            answer.put("requests", seen.size());
            response.setStatus(status);
            if (status == 401) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(answer)), callback);
            return true;
        }
    }

    /** Atomically uses up one scripted 401 for this token, if any is left. */
    private boolean takeRejection(String token) {
        AtomicBoolean rejected = new AtomicBoolean();
        rejections.computeIfPresent(token, (t, left) -> {
            rejected.set(true);
            return left > 1 ? left - 1 : null;
        });
        return rejected.get();
    }
}
