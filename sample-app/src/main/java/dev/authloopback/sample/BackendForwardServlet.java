package dev.authloopback.sample;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The business request: forwards the call to the backend with whatever {@code Authorization}
 * header the request shows, and returns the backend's answer unchanged.
 *
 * <p>The servlet reads the header with {@link HttpServletRequest#getHeader(String)} and knows
 * nothing about tokens: that the backend sees {@code Bearer <token>} proves that the
 * {@code BearerTokenFilter}'s request wrapper shows the injected header to ordinary servlet code.
 *
 * <p>Context init-param {@value #BACKEND_URL_PARAM}: the backend URL (required).
 */
public final class BackendForwardServlet extends HttpServlet {

    public static final String BACKEND_URL_PARAM = "backend-url";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private transient HttpClient client;
    private URI backend;

    @Override
    public void init() throws ServletException {
        backend = backendUri(getServletContext().getInitParameter(BACKEND_URL_PARAM));
        client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    static URI backendUri(String value) throws ServletException {
        if (value == null || value.isBlank()) {
            throw new ServletException(BACKEND_URL_PARAM + ": required (context init-param)");
        }
        try {
            URI uri = URI.create(value.trim());
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException("scheme must be http or https");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ServletException(BACKEND_URL_PARAM + ": '" + value + "' is not an http(s) URL: " + e.getMessage());
        }
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpRequest.Builder call = HttpRequest.newBuilder(backend).timeout(TIMEOUT).GET();
        String authorization = req.getHeader("Authorization");
        if (authorization != null) {
            try {
                call.header("Authorization", authorization);
            } catch (IllegalArgumentException e) {
                // The client refuses a value with CR/LF; its message (and the container's error page)
                // would show it, so the caller learns only that the header was refused.
                Problems.write(resp, 502, "Backend call refused", "the Authorization header is not a valid header value");
                return;
            }
        }
        HttpResponse<byte[]> answer;
        try {
            answer = client.send(call.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Problems.write(resp, 503, "Backend call interrupted", "the backend call was interrupted");
            return;
        } catch (IOException e) {
            Problems.write(resp, 502, "Backend unreachable", e.getClass().getSimpleName());
            return;
        }
        resp.setStatus(answer.statusCode());
        answer.headers().firstValue("Content-Type").ifPresent(resp::setContentType);
        resp.getOutputStream().write(answer.body());
    }

    @Override
    public void destroy() {
        // java.net.http.HttpClient is AutoCloseable only from Java 21; on 17 dropping it frees it.
        client = null;
    }
}
