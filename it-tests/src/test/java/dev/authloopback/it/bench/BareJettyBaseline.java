package dev.authloopback.it.bench;

import dev.authloopback.it.support.Jetty;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * Baseline A: the cheapest honest answer a Jetty 12 servlet can give to the same token POST. The
 * same server setup as every harness server ({@link Jetty#server}), a plain {@link HttpServlet}
 * that reads the request body and writes a fixed JSON of exactly the size of a real token answer.
 * What the loopback adds over this is Jersey, the cache lookup, the key digest and its headers.
 */
final class BareJettyBaseline implements AutoCloseable {

    private static final String CONTEXT_PATH = "/bare";
    private static final String SERVLET_PATH = "/token";

    private final Server server;
    private final byte[] body;

    private BareJettyBaseline(int bytes) {
        body = fixedJson(bytes);
        server = Jetty.server("bare-jetty");
        ServletContextHandler context = new ServletContextHandler(CONTEXT_PATH);
        context.addServlet(new ServletHolder("fixed-json", new FixedJsonServlet(body)), SERVLET_PATH);
        server.setHandler(context);
    }

    /** Starts a server whose answer body is a JSON token answer of exactly {@code bytes} bytes. */
    static BareJettyBaseline start(int bytes) {
        BareJettyBaseline baseline = new BareJettyBaseline(bytes);
        try {
            baseline.server.start();
        } catch (Exception e) {
            Jetty.stop(baseline.server);
            throw new IllegalStateException("starting the bare Jetty baseline", e);
        }
        return baseline;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + Jetty.port(server) + CONTEXT_PATH + SERVLET_PATH);
    }

    int bodyBytes() {
        return body.length;
    }

    @Override
    public void close() {
        Jetty.stop(server);
    }

    /** A token-shaped JSON padded to {@code bytes}: {@code {"access_token":"aaa…","token_type":"Bearer","expires_in":3600}}. */
    static byte[] fixedJson(int bytes) {
        String head = "{\"access_token\":\"";
        String tail = "\",\"token_type\":\"Bearer\",\"expires_in\":3600}";
        int padding = bytes - head.length() - tail.length();
        if (padding < 1) {
            throw new IllegalArgumentException("bytes must be >= " + (head.length() + tail.length() + 1) + ", was " + bytes);
        }
        return (head + "a".repeat(padding) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    private static final class FixedJsonServlet extends HttpServlet {
        private final transient byte[] body;

        FixedJsonServlet(byte[] body) {
            this.body = body;
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().transferTo(OutputStream.nullOutputStream());
            resp.setStatus(HttpServletResponse.SC_OK);
            resp.setContentType("application/json");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
    }
}
