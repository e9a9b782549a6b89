package dev.authloopback.testsupport.oauth2;

import dev.authloopback.testsupport.http.Jetty;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;

/**
 * A token endpoint of our own that misbehaves on request: each call takes the next scripted
 * {@link Answer} (or the default answer, a good token, once the script is used up), and every call
 * is recorded with its start and end time so a test can prove calls overlapped.
 *
 * <pre>{@code
 * try (FaultyUpstream upstream = FaultyUpstream.start()) {
 *     upstream.script(Answer.status(503), Answer.hold(Duration.ofMillis(300), Answer.ok()));
 *     ... upstream.calls() ...
 * }
 * }</pre>
 */
public final class FaultyUpstream implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Server server;
    private final ConcurrentLinkedQueue<Answer> script = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Answer> otherwise = new AtomicReference<>(Answer.ok());
    private final AtomicInteger callCount = new AtomicInteger();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<String> issuedTokens = new CopyOnWriteArrayList<>();
    private volatile int refusedPort;

    private FaultyUpstream() {
        server = Jetty.server("faulty-upstream");
        server.setHandler(new ScriptedHandler());
    }

    public static FaultyUpstream start() {
        FaultyUpstream upstream = new FaultyUpstream();
        try {
            upstream.server.start();
        } catch (Exception e) {
            Jetty.stop(upstream.server);
            throw new IllegalStateException("starting the faulty upstream", e);
        }
        return upstream;
    }

    public URI tokenUrl() {
        int port = refusedPort > 0 ? refusedPort : Jetty.port(server);
        return URI.create("http://127.0.0.1:" + port + "/token");
    }

    /** Queues answers for the next calls, in order. */
    public FaultyUpstream script(Answer... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    /** The answer once the script is used up (default: {@link Answer#ok()}). */
    public FaultyUpstream otherwise(Answer answer) {
        otherwise.set(Objects.requireNonNull(answer, "answer"));
        return this;
    }

    /** Calls that arrived (counted on arrival, before the answer is written). */
    public int callCount() {
        return callCount.get();
    }

    /** Completed calls, in completion order. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /**
     * Waits, bounded, until at least {@code n} calls are recorded. A call is recorded just after its
     * answer went out, so a client may hold the answer a moment before the record exists.
     */
    public List<Call> awaitCalls(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (calls.size() < n && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return calls();
    }

    /** Every access token this upstream handed out, for the no-secrets-in-logs checks. */
    public List<String> issuedTokens() {
        return List.copyOf(issuedTokens);
    }

    /**
     * Closes the listening socket: from now on every connection attempt is refused, as when the
     * token endpoint's host is up but its server is not. {@link #acceptConnections()} reopens the same port.
     */
    public FaultyUpstream refuseConnections() {
        ServerConnector connector = (ServerConnector) server.getConnectors()[0];
        refusedPort = connector.getLocalPort();
        try {
            connector.stop();
        } catch (Exception e) {
            throw new IllegalStateException("closing the upstream's connector", e);
        }
        return this;
    }

    /** Listens again on the port {@link #tokenUrl()} names. */
    public FaultyUpstream acceptConnections() {
        ServerConnector connector = (ServerConnector) server.getConnectors()[0];
        connector.setPort(refusedPort);
        try {
            connector.start();
        } catch (Exception e) {
            throw new IllegalStateException("reopening the upstream on port " + refusedPort, e);
        }
        return this;
    }

    public void reset() {
        script.clear();
        otherwise.set(Answer.ok());
        callCount.set(0);
        calls.clear();
    }

    @Override
    public void close() {
        Jetty.stop(server);
    }

    /** One call as the upstream saw it; times from {@link System#nanoTime()}. */
    public record Call(int number, String answer, String method, String contentType, String authorization,
                       String body, long startNanos, long endNanos, String traceparent) {

        public Call(int number, String answer, String method, String contentType, String authorization,
                    String body, long startNanos, long endNanos) {
            this(number, answer, method, contentType, authorization, body, startNanos, endNanos, null);
        }

        /** True when both calls were in progress at one instant. */
        public boolean overlaps(Call other) {
            return startNanos < other.endNanos && other.startNanos < endNanos;
        }

        /** Without body and Authorization: they hold client credentials. */
        @Override
        public String toString() {
            return "Call#" + number + "[" + answer + ", " + Duration.ofNanos(endNanos - startNanos).toMillis() + " ms]";
        }
    }

    /** What the upstream does with one call. */
    public interface Answer {

        /** A short name for tables and messages. */
        String name();

        void respond(Exchange exchange) throws Exception;

        static Answer ok() {
            return ok(3600);
        }

        /** 200 JSON with a fresh random {@code access_token} and the given {@code expires_in}. */
        static Answer ok(long expiresInSeconds) {
            return named("200 token", ex -> ex.json(200, "{\"access_token\":\"" + ex.newToken()
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresInSeconds + ",\"scope\":\"read\"}"));
        }

        /** An upstream error status with a small JSON error body (RFC 6749 §5.2 shape). */
        static Answer status(int status) {
            return named(status + " error", ex -> ex.json(status,
                    "{\"error\":\"upstream_" + status + "\",\"error_description\":\"scripted " + status + "\"}"));
        }

        static Answer status(int status, Duration retryAfter) {
            return named(status + " error, Retry-After " + retryAfter.toSeconds(), ex -> {
                ex.response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(retryAfter.toSeconds()));
                ex.json(status, "{\"error\":\"slow_down\",\"error_description\":\"scripted " + status + "\"}");
            });
        }

        static Answer nonJson() {
            return named("200 not JSON", ex -> ex.write(200, "text/html", "<html><body>token service</body></html>"));
        }

        static Answer jsonWithoutAccessToken() {
            return named("200 JSON without access_token", ex -> ex.json(200, "{\"token_type\":\"Bearer\",\"expires_in\":3600}"));
        }

        static Answer emptyAccessToken() {
            return named("200 JSON with empty access_token", ex -> ex.json(200,
                    "{\"access_token\":\"\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
        }

        /** 200 JSON with a valid token but a body of at least {@code bytes}. */
        static Answer oversize(int bytes) {
            return named("200 oversize body (" + bytes + " B)", ex -> {
                String head = "{\"access_token\":\"" + ex.newToken() + "\",\"expires_in\":3600,\"padding\":\"";
                ex.json(200, head + "x".repeat(Math.max(0, bytes - head.length())) + "\"}");
            });
        }

        /** Holds the call, then answers as {@code then}. */
        static Answer hold(Duration hold, Answer then) {
            return named(then.name() + " after " + hold.toMillis() + " ms", ex -> {
                Thread.sleep(hold.toMillis());
                then.respond(ex);
            });
        }

        /**
         * Holds the call at least {@code min} and until {@code until} is true (at most {@code max}),
         * then answers as {@code then}: a herd test holds the upstream answer until every request of
         * the herd has arrived at the loopback, so none arrives after the call finished.
         */
        static Answer holdUntil(Duration min, BooleanSupplier until, Duration max, Answer then) {
            // Once one held call has seen the condition, every call of this answer is let go: the
            // condition (e.g. "all callers inside") stops holding as soon as the first answers go out,
            // and a call that arrived a few ms later must not then wait for max (504 at the loopback).
            java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
            return named(then.name() + " after >= " + min.toMillis() + " ms", ex -> {
                long start = System.nanoTime();
                Thread.sleep(min.toMillis());
                while (!released.get() && System.nanoTime() - start < max.toNanos()) {
                    if (until.getAsBoolean()) {
                        released.set(true);
                    } else {
                        Thread.sleep(5);
                    }
                }
                then.respond(ex);
            });
        }

        /** Holds the call past any sane read timeout, then answers a good token. */
        static Answer slow(Duration hold) {
            return named("slow (" + hold.toMillis() + " ms)", hold(hold, ok())::respond);
        }

        /** Sends status, headers and part of the body, then resets the TCP connection. */
        static Answer resetMidBody() {
            return named("connection reset mid-body", ex -> {
                ex.response.setStatus(200);
                ex.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                ex.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 4096L);
                try (Blocker.Callback blocker = Blocker.callback()) {
                    ex.response.write(false, utf8("{\"access_token\":\"" + ex.newToken()), blocker);
                    blocker.block();
                }
                ex.abort(true);
            });
        }

        /** 200 JSON with a good token and {@code expires_in} written as the raw JSON {@code literal}. */
        static Answer expiresIn(String literal) {
            return named("200 token, expires_in " + literal, ex -> ex.json(200, "{\"access_token\":\"" + ex.newToken()
                    + "\",\"token_type\":\"Bearer\",\"expires_in\":" + literal + "}"));
        }

        /** 200 with a good JSON token under a {@code Content-Type} that is no media type. */
        static Answer garbageContentType(String contentType) {
            return named("200 token, Content-Type " + contentType, ex -> ex.write(200, contentType,
                    "{\"access_token\":\"" + ex.newToken() + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"));
        }

        /**
         * Headers with {@code Content-Length: 500}, then the start of a token body one byte every
         * {@code every}: each gap is shorter than any read timeout, the whole never ends in time.
         * Stops when the caller hangs up, or after {@code max}.
         */
        static Answer trickle(Duration every, Duration max) {
            return named("trickling body (1 B / " + every.toMillis() + " ms)", ex -> {
                ex.response.setStatus(200);
                ex.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                ex.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 500L);
                ex.dripUntil(("{\"access_token\":\"" + ex.newToken() + "\",\"pad\":\"" + "x".repeat(500)),
                        every, max);
            });
        }

        /** A chunked 200 whose chunks (one byte each, every {@code every}) never end; stops after {@code max}. */
        static Answer endlessChunked(Duration every, Duration max) {
            return named("never-ending chunked body", ex -> {
                ex.response.setStatus(200);
                ex.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                ex.dripUntil("{\"access_token\":\"" + ex.newToken() + "\",\"pad\":\"" + "x".repeat(100_000),
                        every, max);
            });
        }

        /** {@code Content-Length: 500}, the first bytes of a token body, then a clean close (FIN). */
        static Answer cutOff() {
            return named("cut-off body (FIN before Content-Length)", ex -> {
                ex.response.setStatus(200);
                ex.response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                ex.response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 500L);
                try (Blocker.Callback blocker = Blocker.callback()) {
                    ex.response.write(false, utf8("{\"access_token\":\"" + ex.newToken() + "\""), blocker);
                    blocker.block();
                }
                ex.abort(false);
            });
        }

        /** A raw status line with {@code status} (e.g. 99 or 600) and a good token body, then closes. */
        static Answer rawStatus(int status) {
            return named("status " + status, ex -> {
                String body = "{\"access_token\":\"" + ex.newToken() + "\",\"expires_in\":3600}";
                ex.writeRaw("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\nConnection: close\r\n\r\n" + body);
            });
        }

        /** Answers bytes that are not HTTP at all, then closes. */
        static Answer garbage() {
            return named("garbage (not HTTP)", ex -> {
                EndPoint endPoint = ex.request.getConnectionMetaData().getConnection().getEndPoint();
                try (Blocker.Callback blocker = Blocker.callback()) {
                    endPoint.write(blocker, utf8("\u0000\u0001SSH-2.0-nonsense\r\n\u00ff\u00fe\r\n\r\n"));
                    blocker.block();
                }
                ex.abort(false);
            });
        }

        static Answer named(String name, Responder responder) {
            return new Answer() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public void respond(Exchange exchange) throws Exception {
                    responder.respond(exchange);
                }

                @Override
                public String toString() {
                    return name;
                }
            };
        }
    }

    @FunctionalInterface
    public interface Responder {
        void respond(Exchange exchange) throws Exception;
    }

    /** The call being answered. */
    public final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private boolean done;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        public String newToken() {
            byte[] bytes = new byte[24];
            RANDOM.nextBytes(bytes);
            String token = "tok-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            issuedTokens.add(token);
            return token;
        }

        public void json(int status, String body) throws IOException {
            write(status, "application/json", body);
        }

        public void write(int status, String contentType, String body) throws IOException {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            try (Blocker.Callback blocker = Blocker.callback()) {
                response.write(true, utf8(body), blocker);
                blocker.block();
            }
            done = true;
            callback.succeeded();
        }

        /** Writes {@code bytes} one at a time, {@code every} apart, until they run out, the caller hangs up or {@code max} passed. */
        void dripUntil(String bytes, Duration every, Duration max) throws Exception {
            long end = System.nanoTime() + max.toNanos();
            byte[] all = bytes.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < all.length && System.nanoTime() < end; i++) {
                try (Blocker.Callback blocker = Blocker.callback()) {
                    response.write(false, ByteBuffer.wrap(all, i, 1), blocker);
                    blocker.block();
                } catch (IOException | RuntimeException hungUp) {
                    abort(false);
                    return;
                }
                Thread.sleep(every.toMillis());
            }
            abort(false);
        }

        /** Bypasses Jetty's response: raw bytes on the connection, then a clean close. */
        void writeRaw(String text) throws IOException {
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            try (Blocker.Callback blocker = Blocker.callback()) {
                endPoint.write(blocker, utf8(text));
                blocker.block();
            }
            abort(false);
        }

        /** Drops the connection; with {@code reset} the close is an RST (SO_LINGER 0), not a FIN. */
        void abort(boolean reset) throws IOException {
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            if (reset && endPoint instanceof SocketChannelEndPoint socket) {
                socket.getChannel().setOption(StandardSocketOptions.SO_LINGER, 0);
            }
            endPoint.close();
            done = true;
            callback.failed(new IOException("connection dropped on purpose by the test upstream"));
        }
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private final class ScriptedHandler extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            long start = System.nanoTime();
            int number = callCount.incrementAndGet();
            String body = Content.Source.asString(request, StandardCharsets.UTF_8);
            Answer answer = script.poll();
            if (answer == null) {
                answer = otherwise.get();
            }
            Exchange exchange = new Exchange(request, response, callback);
            try {
                answer.respond(exchange);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (!exchange.done) {
                    callback.failed(e);
                }
            } finally {
                calls.add(new Call(number, answer.name(), request.getMethod(),
                        request.getHeaders().get(HttpHeader.CONTENT_TYPE),
                        request.getHeaders().get(HttpHeader.AUTHORIZATION),
                        body, start, System.nanoTime(), request.getHeaders().get("traceparent")));
            }
            return true;
        }
    }
}
