package dev.authloopback.loopback.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real HTTP token endpoint on 127.0.0.1 that counts calls and answers what the test scripts:
 * by default a fresh random token per call.
 */
public final class CountingUpstream implements AutoCloseable {
    /** What the upstream answers to one call. */
    public record Answer(int status, String contentType, String body, Map<String, String> headers) {
        public static Answer token(String token, Long expiresIn) {
            String expires = expiresIn == null ? "" : ",\"expires_in\":" + expiresIn;
            return new Answer(200, "application/json",
                    "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\"" + expires + "}", Map.of());
        }
    }

    /** One received request, as the upstream saw it; {@code dpop}: its DPoP header, or {@code null}. */
    public record Received(String method, String contentType, String authorization, String body,
                           long startedNanos, long endedNanos, String dpop) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger calls = new AtomicInteger();
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicReference<java.util.function.IntFunction<Answer>> script = new AtomicReference<>();
    private volatile long holdMillis;
    private volatile CountDownLatch gate;
    private volatile long expiresIn = 3600;

    public CountingUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", this::handle);
        server.setExecutor(executor);
        server.start();
        script.set(n -> Answer.token("tok-" + n + "-" + UUID.randomUUID(), expiresIn));
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public int calls() {
        return calls.get();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** Answers call n (1-based) with what {@code answers} returns. */
    public void script(java.util.function.IntFunction<Answer> answers) {
        script.set(answers);
    }

    public void expiresIn(long seconds) {
        this.expiresIn = seconds;
    }

    /** Each call waits this long before answering. */
    public void hold(long millis) {
        this.holdMillis = millis;
    }

    /** Each call waits until the latch opens (bounded). */
    public void gate(CountDownLatch latch) {
        this.gate = latch;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long started = System.nanoTime();
        int n = calls.incrementAndGet();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (holdMillis > 0) {
                Thread.sleep(holdMillis);
            }
            CountDownLatch latch = gate;
            if (latch != null) {
                latch.await(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("Authorization"), body, started, System.nanoTime(),
                exchange.getRequestHeaders().getFirst("DPoP")));
        Answer answer = script.get().apply(n);
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        if (answer.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        }
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
