package dev.authloopback.loopback.upstream;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.credentials.CredentialFileException;
import dev.authloopback.loopback.credentials.ExpiredClientAssertion;
import dev.authloopback.loopback.credentials.UpstreamCredential;
import dev.authloopback.loopback.credentials.UpstreamTls;
import dev.authloopback.loopback.memory.InFlightBytes;
import dev.authloopback.loopback.memory.NoRoomInFlight;
import dev.authloopback.loopback.memory.Reservation;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import dev.authloopback.loopback.request.TokenRequest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProxySelector;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The one place that talks to the real token endpoint: the JDK HTTP client (HTTP/1.1, keep-alive,
 * no redirects, the JVM's proxy settings), forwarding method, body, Content-Type, Accept,
 * Authorization and the configured key headers unchanged.
 *
 * <p><b>One deadline per exchange.</b> Connecting, sending, the status line, the headers and the
 * whole body, chunked or not, share one budget of {@code connect-timeout + read-timeout}. A
 * per-read timeout alone is not enough: an upstream that sends one byte every few seconds never
 * trips it and would hold the caller (and everyone coalesced behind it) for minutes.
 *
 * <p>An answer is usable only when it is complete and well-formed: a body shorter than its
 * Content-Length, a broken chunked stream, or a status outside 200–599 (1xx cannot be a final
 * answer; below 100 or above 599 is no HTTP status) is an {@link UpstreamFailure}, never passed on
 * as an answer and never stored.
 */
public final class UpstreamTokenClient implements AutoCloseable {
    private final LoopbackSettings settings;
    private final ThreadPoolExecutor executor;
    private final HttpClient http;
    private final long budgetMillis;

    private final UpstreamCredential credential;
    private final InFlightBytes inFlight;
    /** Adds trace context headers (W3C traceparent) to each upstream request; see LoopbackTracing#inject. */
    private final Consumer<HttpRequest.Builder> traceHeaders;

    /** Transparent mode: the caller's request goes upstream as it came; no cap on bytes in flight. */
    public UpstreamTokenClient(LoopbackSettings settings) {
        this(settings, UpstreamCredential.transparent(), new InFlightBytes(Long.MAX_VALUE));
    }

    /**
     * @param credential completes each upstream request with the profile's own client authentication
     *                   (owning modes); its TLS side (client certificate, trust store) is set up here
     * @param inFlight   the web app's bytes in flight: each answer body is held there until written back
     */
    public UpstreamTokenClient(LoopbackSettings settings, UpstreamCredential credential, InFlightBytes inFlight) {
        this(settings, credential, inFlight, call -> { });
    }

    /** @param traceHeaders adds the trace context to each upstream request (it never sees the body) */
    public UpstreamTokenClient(LoopbackSettings settings, UpstreamCredential credential, InFlightBytes inFlight,
                               Consumer<HttpRequest.Builder> traceHeaders) {
        this.traceHeaders = traceHeaders;
        this.settings = settings;
        this.credential = credential;
        this.inFlight = inFlight;
        this.budgetMillis = settings.upstreamExchangeBudget().toMillis();
        AtomicInteger threads = new AtomicInteger();
        String prefix = "loopback-upstream-" + settings.profile() + "-";
        int size = Math.max(2, Runtime.getRuntime().availableProcessors());
        // The client's own executor (not the common pool), so close() releases every thread it made.
        this.executor = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, prefix + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.executor.allowCoreThreadTimeOut(true);
        HttpClient.Builder builder = HttpClient.newBuilder();
        SSLContext tls = UpstreamTls.contextFor(settings.clientAuth());
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                // As before with HttpURLConnection: http(s).proxyHost / nonProxyHosts still apply.
                .proxy(ProxySelector.getDefault())
                .executor(executor)
                .build();
    }

    /**
     * @return the upstream's complete answer, whatever its status in 200–599; its body's bytes stay
     * in flight until {@link UpstreamAnswer#release()}
     * @throws UpstreamFailure when there is no complete, well-formed HTTP answer within the budget
     * @throws NoRoomInFlight  when the answer's body did not fit under {@code max-bytes-in-flight}
     */
    public UpstreamAnswer exchange(TokenRequest request) {
        Reservation body = inFlight.tryReserve(0);
        try {
            UpstreamAnswer answer = exchange(request, body);
            body = null;
            return answer;
        } finally {
            if (body != null) {
                body.close();
            }
        }
    }

    private UpstreamAnswer exchange(TokenRequest request, Reservation body) {
        // Latency is measured on the monotonic clock, not the injected one: it is for logs and deadlines.
        long started = System.nanoTime();
        HttpRequest call;
        try {
            call = build(credential.authenticate(request));
        } catch (CredentialFileException e) {
            throw new UpstreamFailure(UpstreamFailure.Kind.CREDENTIAL_FAILED, "the loopback's client credential"
                    + " cannot be used: " + e.getMessage(), elapsed(started));
        } catch (ExpiredClientAssertion e) {
            throw new UpstreamFailure(UpstreamFailure.Kind.CLIENT_ASSERTION_EXPIRED, e.getMessage(), elapsed(started));
        }
        CompletableFuture<HttpResponse<byte[]>> pending;
        try {
            pending = http.sendAsync(call, info -> bodyFor(info, body));
        } catch (RejectedExecutionException e) {
            throw new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED, "the upstream client is shut down",
                    elapsed(started));
        }
        HttpResponse<byte[]> response;
        try {
            response = pending.get(budgetMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true); // Java 16+: aborts the exchange and drops its connection
            throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, target() + " gave no complete answer within "
                    + settings.connectTimeout() + " (connect-timeout) + " + settings.readTimeout()
                    + " (read-timeout), body included", elapsed(started));
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, "interrupted while waiting for " + target(),
                    elapsed(started));
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof BoundedBodySubscriber.NoRoomException) {
                    throw new NoRoomInFlight("the answer of " + target() + " did not fit in max-bytes-in-flight="
                            + inFlight.limit() + " (" + inFlight.held() + " bytes of other transfers in flight)");
                }
            }
            throw failure(cause, started);
        }
        HttpHeaders headers = response.headers();
        return new UpstreamAnswer(response.statusCode(),
                MediaTypes.sanitise(headers.firstValue("Content-Type").orElse(null), response.body()), response.body(),
                joined(headers.allValues("Retry-After")), joined(headers.allValues("WWW-Authenticate")),
                elapsed(started), body, headers.firstValue("DPoP-Nonce").orElse(null));
    }

    private HttpRequest build(TokenRequest request) {
        boolean hasBody = request.body().length > 0 && !"GET".equals(request.method());
        HttpRequest.Builder call = HttpRequest.newBuilder(settings.upstreamUrl())
                // Covers connect to headers; the get() above bounds the body as well.
                .timeout(settings.upstreamExchangeBudget())
                .method(request.method(), hasBody
                        ? HttpRequest.BodyPublishers.ofByteArray(request.body())
                        : HttpRequest.BodyPublishers.noBody());
        if (hasBody && request.contentType() != null) {
            call.setHeader("Content-Type", request.contentType());
        }
        if (request.accept() != null) {
            call.setHeader("Accept", request.accept());
        }
        if (request.authorization() != null) {
            call.setHeader("Authorization", request.authorization());
        }
        for (Map.Entry<String, String> header : request.keyHeaders().entrySet()) {
            if (header.getValue() != null) {
                call.setHeader(header.getKey(), header.getValue());
            }
        }
        if (request.dpop() != null) {
            call.setHeader("DPoP", request.dpop().proof()); // RFC 9449 §5: the caller's proof, on a MISS only
        }
        traceHeaders.accept(call);
        return call.build();
    }

    /** Decided on the status line and headers, before any body byte is read. */
    private HttpResponse.BodySubscriber<byte[]> bodyFor(HttpResponse.ResponseInfo info, Reservation body) {
        int status = info.statusCode();
        if (status < 200 || status > 599) {
            return BoundedBodySubscriber.failing(new InvalidStatusException(status));
        }
        long limit = settings.maxResponseBytes();
        long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > limit) {
            return BoundedBodySubscriber.failing(new DeclaredTooLargeException(declared, limit));
        }
        if (declared >= 0 && !body.grow(declared)) {
            return BoundedBodySubscriber.failing(new BoundedBodySubscriber.NoRoomException(declared));
        }
        return new BoundedBodySubscriber(limit, declared, body);
    }

    private static boolean unknownHost(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    private UpstreamFailure failure(Throwable failure, long started) {
        long latency = elapsed(started);
        String target = target();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidStatusException invalid) {
                return new UpstreamFailure(UpstreamFailure.Kind.BROKEN_ANSWER, target + " answered status "
                        + invalid.status + ", which is no final HTTP status (200-599)", latency);
            }
            if (t instanceof DeclaredTooLargeException declared) {
                return new UpstreamFailure(UpstreamFailure.Kind.ANSWER_TOO_LARGE, "answer of " + declared.declared
                        + " bytes exceeds max-response-bytes=" + declared.limit, latency);
            }
            if (t instanceof BoundedBodySubscriber.TooLargeException) {
                return new UpstreamFailure(UpstreamFailure.Kind.ANSWER_TOO_LARGE,
                        "answer exceeds max-response-bytes=" + settings.maxResponseBytes(), latency);
            }
            if (t instanceof HttpConnectTimeoutException) {
                return new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, target + " did not accept a connection"
                        + " within the connect timeout (" + settings.connectTimeout() + ")", latency);
            }
            if (t instanceof HttpTimeoutException) {
                return new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, target + " did not answer within "
                        + settings.upstreamExchangeBudget(), latency);
            }
            if (t instanceof ConnectException && unknownHost(t)) {
                // The JDK client wraps an unresolved name in a ConnectException: "refused" would send
                // the operator looking at a server that was never asked.
                return new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED, target
                        + ": unknown host (the name did not resolve; check upstream-url)", latency);
            }
            if (t instanceof UnknownHostException) {
                return new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED, target
                        + ": unknown host (the name did not resolve; check upstream-url)", latency);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED, target
                        + " refused or could not be reached (" + t.getClass().getSimpleName() + ")", latency);
            }
            if (t instanceof SSLException) {
                return new UpstreamFailure(UpstreamFailure.Kind.TLS_FAILED, target + ": TLS handshake failed ("
                        + t.getClass().getSimpleName() + ")", latency);
            }
            if (t instanceof RejectedExecutionException) {
                return new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED, "the upstream client is shut down",
                        latency);
            }
        }
        // Cut off before its Content-Length, a broken chunked stream, a malformed status line or
        // headers, a reset: no usable answer. The message names the kind only, never content.
        return new UpstreamFailure(UpstreamFailure.Kind.BROKEN_ANSWER, target + ": answer cut off or malformed ("
                + (failure == null ? "unknown" : failure.getClass().getSimpleName()) + ")", latency);
    }

    private String target() {
        int port = settings.upstreamUrl().getPort();
        return "token endpoint " + settings.upstreamUrl().getHost() + ":"
                + (port > 0 ? port : "https".equalsIgnoreCase(settings.upstreamUrl().getScheme()) ? 443 : 80);
    }

    private static String joined(List<String> values) {
        return values.isEmpty() ? null : values.size() == 1 ? values.get(0) : String.join(", ", values);
    }

    private static long elapsed(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    @Override
    public void close() {
        if (http instanceof AutoCloseable closeable) { // Java 21+: HttpClient.close()
            try {
                closeable.close();
            } catch (Exception e) {
                // Closing with the web app: nothing left to tell anyone.
            }
        }
        executor.shutdownNow();
    }

    /** A status line whose code is no final HTTP status. */
    private static final class InvalidStatusException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        InvalidStatusException(int status) {
            super("status " + status);
            this.status = status;
        }
    }

    /** Content-Length over max-response-bytes: refused before reading a byte of the body. */
    private static final class DeclaredTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long declared;
        private final long limit;

        DeclaredTooLargeException(long declared, long limit) {
            super("declared " + declared + " bytes");
            this.declared = declared;
            this.limit = limit;
        }
    }
}
