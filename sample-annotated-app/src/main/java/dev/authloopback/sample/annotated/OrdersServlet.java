package dev.authloopback.sample.annotated;

import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * A business endpoint found by annotation scanning alone. It reads {@code Authorization} like any
 * servlet (inbound), forwards it to the backend (outbound), and answers what it saw:
 * {@code {"inbound":"Bearer","token_sha256":"…","backend_status":200}} — a fingerprint, never the token.
 *
 * <p>The backend is the context-param {@value #BACKEND_URL_PARAM}, else the system property
 * {@value #BACKEND_URL_PROPERTY}.
 */
@WebServlet(urlPatterns = "/api/orders", loadOnStartup = 1)
public final class OrdersServlet extends HttpServlet {

    public static final String BACKEND_URL_PARAM = "backend-url";
    public static final String BACKEND_URL_PROPERTY = "sample.backend-url";
    /** Without either: the stand-in's demo backend (loopback-launcher.jar --stand-in, docs/stand-in.md). */
    public static final String STAND_IN_BACKEND = "http://127.0.0.1:8090/backend";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private transient HttpClient client;
    private URI backend;

    @Override
    public void init() throws ServletException {
        String value = getServletContext().getInitParameter(BACKEND_URL_PARAM);
        if (value == null || value.isBlank()) {
            value = System.getProperty(BACKEND_URL_PROPERTY, STAND_IN_BACKEND);
        }
        if (value == null || value.isBlank()) {
            throw new ServletException(BACKEND_URL_PARAM + ": required (context-param " + BACKEND_URL_PARAM
                    + " or system property " + BACKEND_URL_PROPERTY + ")");
        }
        try {
            backend = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            throw new ServletException(BACKEND_URL_PARAM + ": '" + value + "' is not a URL");
        }
        client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String authorization = req.getHeader("Authorization");
        HttpRequest.Builder call = HttpRequest.newBuilder(backend).timeout(TIMEOUT).GET();
        if (authorization != null) {
            call.header("Authorization", authorization);
        }
        int backendStatus;
        try {
            backendStatus = client.send(call.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            backendStatus = 0;
        } catch (IOException e) {
            backendStatus = 0;
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write("{\"inbound\":\"" + scheme(authorization) + "\",\"token_sha256\":\""
                + fingerprint(authorization) + "\",\"backend_status\":" + backendStatus + "}");
    }

    /** "Bearer", "none", or "other". */
    static String scheme(String authorization) {
        if (authorization == null) {
            return "none";
        }
        return authorization.startsWith("Bearer ") ? "Bearer" : "other";
    }

    /** First 12 hex digits of SHA-256 of the credentials after the scheme: comparable, not the token. */
    static String fingerprint(String authorization) {
        if (authorization == null || authorization.indexOf(' ') < 0) {
            return "";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(authorization.substring(authorization.indexOf(' ') + 1).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void destroy() {
        client = null; // Java 17's HttpClient has no close(); dropping it frees it
    }
}
