package dev.authloopback.launcher;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A stand-in OAuth2 token endpoint for trying the loopback without a real authorization server.
 * It listens on 127.0.0.1 (a free port) and answers every client-credentials request (RFC 6749
 * §4.4) with a new random opaque token valid for {@value #EXPIRES_IN_SECONDS} seconds, so the
 * loopback's caching is visible: only its first call per key reaches this endpoint.
 * Client credentials are not checked; it is a demo, never bound to anything but loopback.
 */
public final class DemoTokenEndpoint implements AutoCloseable {

    static final int EXPIRES_IN_SECONDS = 36000;
    static final String PATH = "/token";

    private final Server server;
    private final ServerConnector connector;
    private final AtomicInteger issued = new AtomicInteger();

    public DemoTokenEndpoint() {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new TokenHandler(issued, new SecureRandom()));
    }

    public void start() throws Exception {
        server.start();
    }

    /** The token URL to configure as the loopback's {@code upstream-url}. */
    public URI tokenUrl() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + PATH);
    }

    /** How many tokens this endpoint has issued since it started. */
    public int issuedTokens() {
        return issued.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static final class TokenHandler extends Handler.Abstract {

        private static final Pattern JSON_FIELD = Pattern.compile("\"(grant_type|scope)\"\\s*:\\s*\"([^\"]*)\"");

        private final AtomicInteger issued;
        private final SecureRandom random;

        TokenHandler(AtomicInteger issued, SecureRandom random) {
            this.issued = issued;
            this.random = random;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (!"POST".equals(request.getMethod())) {
                response.getHeaders().put(HttpHeader.ALLOW, "POST");
                answer(response, callback, 405, error("invalid_request", "token requests are POSTs"));
                return true;
            }
            Map<String, String> params = parameters(request.getHeaders().get(HttpHeader.CONTENT_TYPE),
                    Content.Source.asString(request, StandardCharsets.UTF_8));
            if (!"client_credentials".equals(params.get("grant_type"))) {
                // RFC 6749 §5.2: the error answer of a token endpoint is a 400 with an error code.
                answer(response, callback, 400, error("unsupported_grant_type", "this demo issues client_credentials tokens only"));
                return true;
            }
            String scope = params.getOrDefault("scope", "demo");
            issued.incrementAndGet();
            answer(response, callback, 200, "{\"access_token\":\"" + newToken() + "\",\"token_type\":\"Bearer\","
                    + "\"expires_in\":" + EXPIRES_IN_SECONDS + ",\"scope\":\"" + jsonEscape(scope) + "\"}");
            return true;
        }

        private String newToken() {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        private static Map<String, String> parameters(String contentType, String body) {
            Map<String, String> params = new HashMap<>();
            if (contentType != null && contentType.toLowerCase().contains("json")) {
                Matcher m = JSON_FIELD.matcher(body);
                while (m.find()) {
                    params.put(m.group(1), m.group(2));
                }
                return params;
            }
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            return params;
        }

        private static String error(String code, String description) {
            return "{\"error\":\"" + code + "\",\"error_description\":\"" + description + "\"}";
        }

        private static String jsonEscape(String value) {
            StringBuilder out = new StringBuilder(value.length());
            for (char c : value.toCharArray()) {
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }

        private static void answer(Response response, Callback callback, int status, String json) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=UTF-8");
            // RFC 6749 §5.1: token answers must not be stored by intermediaries.
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, json, callback);
        }
    }
}
