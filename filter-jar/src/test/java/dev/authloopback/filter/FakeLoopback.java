package dev.authloopback.filter;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Stands in for loopback.war on 127.0.0.1, port 0: answers token JSON with an ETag (or a fault),
 * answers DELETE with 204, and records every request it got.
 */
final class FakeLoopback implements AutoCloseable {

    enum Mode { TOKEN, UNAUTHORIZED, SERVER_ERROR, GARBAGE, NO_TOKEN, SLOW, BODY }

    record Recorded(String method, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    volatile Mode mode = Mode.TOKEN;
    /** When true every token answer is tok-1 / "etag-1", as a loopback cache hit would be. */
    volatile boolean sameToken;
    volatile long expiresIn = 3600;
    volatile String age;
    /** What {@link Mode#BODY} answers: 200 JSON, this body, with an ETag (as a hostile or older loopback might). */
    volatile String body;

    final AtomicInteger tokenCalls = new AtomicInteger();
    final AtomicInteger deleteCalls = new AtomicInteger();
    final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);

    FakeLoopback() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                answer(req, resp);
            }
        }), "/loopback");
        server.setHandler(context);
        server.setStopTimeout(0);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/loopback");
    }

    /** Waits, bounded, until at least {@code n} DELETEs arrived; true when they did. */
    boolean awaitDeletes(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (deleteCalls) {
            while (deleteCalls.get() < n) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                deleteCalls.wait(left);
            }
            return true;
        }
    }

    List<Recorded> deletes() {
        return requests.stream().filter(r -> r.method().equals("DELETE")).toList();
    }

    Recorded lastTokenRequest() {
        List<Recorded> posts = requests.stream().filter(r -> !r.method().equals("DELETE")).toList();
        return posts.get(posts.size() - 1);
    }

    private void answer(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, String> headers = new TreeMap<>();
        for (String name : Collections.list(req.getHeaderNames())) {
            headers.put(name.toLowerCase(Locale.ROOT), req.getHeader(name));
        }
        String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        requests.add(new Recorded(req.getMethod(), headers, body));
        resp.setHeader("Cache-Control", "no-store");
        if (req.getMethod().equals("DELETE")) {
            synchronized (deleteCalls) {
                deleteCalls.incrementAndGet();
                deleteCalls.notifyAll();
            }
            resp.setStatus(204);
            return;
        }
        int n = tokenCalls.incrementAndGet();
        switch (mode) {
            case UNAUTHORIZED -> json(resp, 401, "{\"error\":\"invalid_client\"}");
            case SERVER_ERROR -> json(resp, 500, "{\"error\":\"boom\"}");
            case GARBAGE -> {
                resp.setStatus(200);
                resp.setContentType("text/html");
                resp.getWriter().write("<html>not a token</html>");
            }
            case NO_TOKEN -> json(resp, 200, "{\"token_type\":\"Bearer\",\"expires_in\":3600}");
            case BODY -> {
                resp.setHeader("ETag", "\"etag-" + n + "\"");
                resp.setStatus(200);
                resp.setContentType("application/json;charset=utf-8");
                resp.getWriter().write(this.body);
            }
            case SLOW -> {
                try {
                    released.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                token(resp, n);
            }
            default -> token(resp, n);
        }
    }

    private void token(HttpServletResponse resp, int n) throws IOException {
        int id = sameToken ? 1 : n;
        resp.setHeader("ETag", "\"etag-" + id + "\"");
        if (age != null) {
            resp.setHeader("Age", age);
        }
        json(resp, 200, "{\"access_token\":\"tok-" + id + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}");
    }

    private static void json(HttpServletResponse resp, int status, String body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.getWriter().write(body);
    }

    /** How long the slow mode holds an answer at most (it is released at close). */
    static Duration slowFor() {
        return Duration.ofSeconds(10);
    }

    @Override
    public void close() throws Exception {
        released.countDown();
        server.stop();
    }
}
