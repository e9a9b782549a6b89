package dev.authloopback.it.bench;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code floor} row: the cheapest honest answer a servlet on the same server can give to the
 * token POST. It reads the request body and writes a fixed token-shaped JSON of exactly
 * {@value #BYTES_PARAM} bytes (the size of the loopback's real answer), so what the loopback adds
 * over it is Jersey, the cache lookup, the key digest and its headers.
 *
 * <p>Deployed by {@link BenchBase} as a web app of its own ({@code /floor}, class file in
 * {@code WEB-INF/classes}) on the loopback connector, the same way on both targets. It counts the
 * POSTs it answered; {@code GET} returns {@code {"answered":n}}, so a run is checked from the server
 * side without reading each answer.
 */
public final class FloorServlet extends HttpServlet {

    /** Init-param: the answer's size in bytes. */
    public static final String BYTES_PARAM = "bytes";

    private final transient LongAdder answered = new LongAdder();
    private transient byte[] body;

    @Override
    public void init() throws ServletException {
        String value = getInitParameter(BYTES_PARAM);
        try {
            body = fixedJson(Integer.parseInt(value == null ? "" : value.trim()));
        } catch (IllegalArgumentException e) {
            throw new ServletException(BYTES_PARAM + ": '" + value + "' " + e.getMessage(), e);
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        req.getInputStream().transferTo(OutputStream.nullOutputStream());
        answered.increment();
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType("application/json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] counts = ("{\"answered\":" + answered.sum() + "}").getBytes(StandardCharsets.US_ASCII);
        resp.setContentType("application/json");
        resp.setContentLength(counts.length);
        resp.getOutputStream().write(counts);
    }

    /** {@code {"access_token":"aaa…","token_type":"Bearer","expires_in":3600}} padded to {@code bytes}. */
    static byte[] fixedJson(int bytes) {
        String head = "{\"access_token\":\"";
        String tail = "\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
        int padding = bytes - head.length() - tail.length();
        if (padding < 1) {
            throw new IllegalArgumentException("must be a whole number >= " + (head.length() + tail.length() + 1));
        }
        return (head + "a".repeat(padding) + tail).getBytes(StandardCharsets.US_ASCII);
    }
}
