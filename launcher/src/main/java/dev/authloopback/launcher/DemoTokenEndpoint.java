package dev.authloopback.launcher;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the outside world, for trying the loopback without a real authorization server
 * or backend. On 127.0.0.1 only, it serves:
 * <ul>
 *   <li>{@value #PATH}: an OAuth2 token endpoint that answers every client-credentials request
 *       (RFC 6749 §4.4) with a new random opaque token valid for {@value #EXPIRES_IN_SECONDS}
 *       seconds, so the loopback's caching is visible: only its first call per key reaches it.
 *       Client credentials are not checked: it is a demo, never bound to anything but loopback.</li>
 *   <li>{@value DemoBackend#PATH}: a business backend that answers 200 to a request carrying
 *       {@code Authorization: Bearer <a token issued here, not expired>}, and 401 otherwise.</li>
 *   <li>{@value #COUNTS_PATH}: what it did, as JSON (tokens issued, backend calls accepted and
 *       refused), so a walkthrough can check that N nodes made one upstream call.</li>
 * </ul>
 * Bad input (a broken percent-encoding, bytes that are not UTF-8, a body over 16 KiB) is a 400
 * {@code invalid_request} that quotes nothing of the request, and no caller can hold a thread.
 */
public final class DemoTokenEndpoint implements AutoCloseable {

    static final int EXPIRES_IN_SECONDS = 36000;
    static final String PATH = "/token";
    static final String COUNTS_PATH = "/stand-in";

    private final Server server;
    private final ServerConnector connector;
    private final AtomicInteger issued = new AtomicInteger();
    private final IssuedTokens tokens;
    private final DemoBackend backend;

    /** On a free port (the launcher's own demo). */
    public DemoTokenEndpoint() {
        this(0, Clock.systemUTC());
    }

    /** On {@code port} of 127.0.0.1 (0: a free one); token lifetimes measured with {@code clock}. */
    public DemoTokenEndpoint(int port, Clock clock) {
        tokens = new IssuedTokens(clock);
        backend = new DemoBackend(tokens);
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        TokenHandler token = new TokenHandler(issued, tokens, new SecureRandom());
        server.setHandler(new Routes(token, backend, this::countsJson));
    }

    public void start() throws Exception {
        server.start();
    }

    /** The token URL to configure as the loopback's {@code upstream-url}. */
    public URI tokenUrl() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + PATH);
    }

    /** The demo backend's URL, a business app's {@code backend-url}. */
    public URI backendUrl() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + DemoBackend.PATH);
    }

    /** Where {@link #countsJson()} is served. */
    public URI countsUrl() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + COUNTS_PATH);
    }

    /** How many tokens this endpoint has issued since it started. */
    public int issuedTokens() {
        return issued.get();
    }

    String countsJson() {
        return "{\"tokens_issued\":" + issued.get() + ",\"backend_accepted\":" + backend.accepted()
                + ",\"backend_refused\":" + backend.refused() + "}";
    }

    /** Sends each request to the token endpoint, the backend or the counts by its path; 404 otherwise. */
    private static final class Routes extends Handler.Abstract {
        private final Handler token;
        private final Handler backend;
        private final java.util.function.Supplier<String> counts;

        Routes(Handler token, Handler backend, java.util.function.Supplier<String> counts) {
            this.token = token;
            this.backend = backend;
            this.counts = counts;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            if (PATH.equals(path)) {
                return token.handle(request, response, callback);
            }
            if (DemoBackend.PATH.equals(path) || path.startsWith(DemoBackend.PATH + "/")) {
                return backend.handle(request, response, callback);
            }
            if (COUNTS_PATH.equals(path)) {
                answer(response, callback, 200, counts.get());
                return true;
            }
            answer(response, callback, 404, "{\"error\":\"not_found\",\"error_description\":"
                    + "\"the stand-in serves " + PATH + ", " + DemoBackend.PATH + " and " + COUNTS_PATH + "\"}");
            return true;
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static final class TokenHandler extends Handler.Abstract {

        /** A client-credentials request is a few hundred bytes. */
        private static final int MAX_BODY_BYTES = 16 * 1024;
        private static final Pattern JSON_FIELD = Pattern.compile("\"(grant_type|scope)\"\\s*:\\s*\"([^\"]*)\"");

        private final AtomicInteger issued;
        private final IssuedTokens tokens;
        private final SecureRandom random;

        TokenHandler(AtomicInteger issued, IssuedTokens tokens, SecureRandom random) {
            this.issued = issued;
            this.tokens = tokens;
            this.random = random;
        }

        /**
         * Never blocks a thread on the caller: the body is collected asynchronously (a caller that
         * stalls holds a connection until the idle timeout, not a thread) and answered when complete.
         */
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!"POST".equals(request.getMethod())) {
                response.getHeaders().put(HttpHeader.ALLOW, "POST");
                answer(response, callback, 405, error("invalid_request", "token requests are POSTs"));
                return true;
            }
            String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            Content.Source.asByteArrayAsync(request, MAX_BODY_BYTES).whenComplete((body, failure) -> {
                if (failure != null) {
                    answer(response, callback, 400, error("invalid_request",
                            "the request body could not be read or is over " + MAX_BODY_BYTES + " bytes"));
                    return;
                }
                try {
                    respond(parameters(contentType, body), response, callback);
                } catch (InvalidRequest e) {
                    // RFC 6749 §5.2; the description names the problem, never the caller's bytes.
                    answer(response, callback, 400, error("invalid_request", e.getMessage()));
                } catch (RuntimeException e) {
                    answer(response, callback, 500, error("server_error", "the demo endpoint failed"));
                }
            });
            return true;
        }

        private void respond(Map<String, String> params, Response response, Callback callback) {
            if (!"client_credentials".equals(params.get("grant_type"))) {
                // RFC 6749 §5.2: the error answer of a token endpoint is a 400 with an error code.
                answer(response, callback, 400, error("unsupported_grant_type", "this demo issues client_credentials tokens only"));
                return;
            }
            String scope = params.getOrDefault("scope", "demo");
            String token = newToken();
            tokens.add(token, java.time.Duration.ofSeconds(EXPIRES_IN_SECONDS));
            issued.incrementAndGet();
            answer(response, callback, 200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\","
                    + "\"expires_in\":" + EXPIRES_IN_SECONDS + ",\"scope\":\"" + jsonEscape(scope) + "\"}");
        }

        private String newToken() {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        static Map<String, String> parameters(String contentType, byte[] body) throws InvalidRequest {
            String text = utf8(body, "the request body is not UTF-8");
            Map<String, String> params = new HashMap<>();
            if (contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json")) {
                Matcher m = JSON_FIELD.matcher(text);
                while (m.find()) {
                    params.put(m.group(1), m.group(2));
                }
                return params;
            }
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(formDecode(pair.substring(0, eq)), formDecode(pair.substring(eq + 1)));
                }
            }
            return params;
        }

        /** Strict form decoding: a bad {@code %} escape or bytes that are not UTF-8 are the caller's error. */
        private static String formDecode(String encoded) throws InvalidRequest {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
            for (int i = 0; i < encoded.length(); i++) {
                char c = encoded.charAt(i);
                if (c == '+') {
                    bytes.write(' ');
                } else if (c == '%') {
                    int hi = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
                    int lo = hi >= 0 ? Character.digit(encoded.charAt(i + 2), 16) : -1;
                    if (lo < 0) {
                        throw new InvalidRequest("the form body has an invalid percent-encoding");
                    }
                    bytes.write(hi << 4 | lo);
                    i += 2;
                } else {
                    byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                    bytes.write(raw, 0, raw.length);
                }
            }
            return utf8(bytes.toByteArray(), "a form field is not UTF-8 once decoded");
        }

        private static String utf8(byte[] bytes, String problem) throws InvalidRequest {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new InvalidRequest(problem);
            }
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

        static void answer(Response response, Callback callback, int status, String json) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=UTF-8");
            // RFC 6749 §5.1: token answers must not be stored by intermediaries.
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, json, callback);
        }
    }

    /** Writes a JSON answer that no intermediary may store (RFC 6749 §5.1). */
    static void answer(Response response, Callback callback, int status, String json) {
        TokenHandler.answer(response, callback, status, json);
    }

    /** A request the demo refuses with 400 {@code invalid_request}; the message quotes nothing of the request. */
    static final class InvalidRequest extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidRequest(String message) {
            super(message, null, false, false);
        }
    }
}
