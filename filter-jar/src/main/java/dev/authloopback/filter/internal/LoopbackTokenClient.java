package dev.authloopback.filter.internal;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.spi.json.JsonProvider;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * Asks the loopback (or any token endpoint) for a token with the JDK HTTP client: one pooled
 * keep-alive client per instance, on an executor of its own so {@link #close()} can release its
 * threads. Every exchange is bounded by connect-timeout + read-timeout, body included.
 */
public final class LoopbackTokenClient implements TokenSource, AutoCloseable {

    /** Token answers are a few KiB; anything this large is not one. */
    static final int MAX_ANSWER_BYTES = 1 << 20;

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    private final FilterSettings settings;
    private final Clock clock;
    private final ThreadPoolExecutor executor;
    private final HttpClient http;
    private final HttpRequest tokenRequest;
    private final long exchangeLimitMillis;
    private final JsonProvider json = Configuration.defaultConfiguration().jsonProvider();
    private final Configuration jsonConfig = Configuration.defaultConfiguration();
    /** ETag of the last token we asked the loopback to evict: one eviction per refused token. */
    private final AtomicReference<String> lastEvictedEtag = new AtomicReference<>();
    private volatile boolean closed;

    public LoopbackTokenClient(FilterSettings settings, Clock clock) {
        if (settings == null) {
            throw new IllegalArgumentException("settings must not be null");
        }
        if (clock == null) {
            throw new IllegalArgumentException("clock must not be null");
        }
        this.settings = settings;
        this.clock = clock;
        this.exchangeLimitMillis = settings.connectTimeout().plus(settings.readTimeout()).toMillis();
        AtomicInteger threads = new AtomicInteger();
        String prefix = "bearer-token-http-" + Integer.toHexString(System.identityHashCode(this)) + "-";
        int size = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.executor = new ThreadPoolExecutor(size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, prefix + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.executor.allowCoreThreadTimeOut(true);
        // HTTP/1.1 on purpose: no h2c upgrade dance with the loopback connector; connections are kept alive
        // and pooled by the client. No redirects (a token request must not wander), no proxy selector.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        try {
            this.tokenRequest = request(settings.tokenMethod()).build();
        } catch (IllegalArgumentException e) {
            executor.shutdownNow();
            throw new InvalidSettingsException(List.of(
                    "token-headers: <masked> a header name or value is refused by the HTTP client"));
        }
    }

    @Override
    public Token token() throws TokenUnavailableException {
        HttpResponse<byte[]> answer = exchange(tokenRequest);
        if (answer.statusCode() / 100 != 2) {
            throw TokenUnavailableException.errorStatus(answer.statusCode());
        }
        return parse(answer);
    }

    @Override
    public void evict(Token refused) {
        String etag = refused.etag();
        if (etag == null) {
            LOG.log(Level.DEBUG, "{0} was refused; its answer had no ETag, so there is nothing to evict", refused);
            return;
        }
        if (etag.equals(lastEvictedEtag.getAndSet(etag))) {
            LOG.log(Level.DEBUG, "{0} was refused again; its eviction was already sent", refused);
            return;
        }
        // RFC 9110 §13.1.1: the loopback evicts only if the entry still holds this token, so a late 401
        // never throws away a token that was just renewed.
        HttpRequest delete = request("DELETE").header("If-Match", etag).build();
        try {
            int status = exchange(delete).statusCode();
            LOG.log(Level.INFO, "{0} was refused downstream; loopback eviction answered HTTP {1}", refused, status);
            if (status == 429 || status >= 500) {
                lastEvictedEtag.compareAndSet(etag, null); // a later 401 may try once more; still no retry loop
            }
        } catch (TokenUnavailableException e) {
            lastEvictedEtag.compareAndSet(etag, null);
            LOG.log(Level.WARNING, "{0} was refused downstream; eviction at the loopback failed: {1}",
                    refused, e.detail());
        }
    }

    /** Stops the client's threads; later calls fail as UNREACHABLE. */
    @Override
    public void close() {
        closed = true;
        if (http instanceof AutoCloseable closeable) { // Java 21+: HttpClient.close()
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "Closing the HTTP client failed", e);
            }
        }
        executor.shutdownNow();
    }

    private HttpRequest.Builder request(String method) {
        String body = settings.tokenBody();
        HttpRequest.Builder b = HttpRequest.newBuilder(settings.tokenUrl())
                .timeout(settings.readTimeout())
                .header("Accept", "application/json")
                .header("Content-Type", settings.tokenContentType())
                .method(method, body.isEmpty()
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        for (Map.Entry<String, String> h : settings.tokenHeaders()) {
            b.header(h.getKey(), h.getValue());
        }
        return b;
    }

    /**
     * One exchange, repeated once when a pooled keep-alive connection turns out to have been closed
     * by the loopback while idle: the JDK client retries only idempotent methods by itself, and a
     * token request (or a conditional DELETE) is safe to send again. Never more than one repeat, and
     * both attempts share the connect + read budget.
     */
    private HttpResponse<byte[]> exchange(HttpRequest request) throws TokenUnavailableException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(exchangeLimitMillis);
        try {
            return exchangeOnce(request, exchangeLimitMillis);
        } catch (DroppedConnection dropped) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw dropped.failure;
            }
            LOG.log(Level.DEBUG, "Token endpoint connection was closed under the request; sending it once more");
            try {
                return exchangeOnce(request, left);
            } catch (DroppedConnection again) {
                throw again.failure;
            }
        }
    }

    private HttpResponse<byte[]> exchangeOnce(HttpRequest request, long limitMillis)
            throws TokenUnavailableException, DroppedConnection {
        if (closed) {
            throw TokenUnavailableException.unreachable("The bearer token filter is shut down", null);
        }
        CompletableFuture<HttpResponse<byte[]>> pending;
        try {
            pending = http.sendAsync(request, info -> new BoundedBodySubscriber(MAX_ANSWER_BYTES));
        } catch (RejectedExecutionException e) {
            throw TokenUnavailableException.unreachable("The bearer token filter is shut down", null);
        }
        try {
            // The request timeout only covers the wait for the status line; this bound covers the body too.
            return pending.get(limitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw timedOut();
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw TokenUnavailableException.unreachable("The token endpoint was still awaited when the request thread was interrupted", null);
        } catch (ExecutionException e) {
            TokenUnavailableException failure = failure(e.getCause());
            if (isDroppedConnection(e.getCause())) {
                throw new DroppedConnection(failure);
            }
            throw failure;
        }
    }

    /** Closed or reset under an exchange: not a timeout, refusal, TLS or size problem. */
    private static boolean isDroppedConnection(Throwable failure) {
        boolean io = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException || t instanceof ConnectException || t instanceof SSLException
                    || t instanceof BoundedBodySubscriber.TooLargeException
                    || t instanceof RejectedExecutionException) {
                return false;
            }
            io |= t instanceof IOException;
        }
        return io;
    }

    /** Carries the mapped failure of an attempt whose connection was dropped, so it may be repeated. */
    private static final class DroppedConnection extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient TokenUnavailableException failure;

        DroppedConnection(TokenUnavailableException failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }

    private TokenUnavailableException timedOut() {
        return TokenUnavailableException.timeout("The token endpoint did not answer within "
                + Durations.format(settings.connectTimeout()) + " (connect) + "
                + Durations.format(settings.readTimeout()) + " (read)");
    }

    /** Maps a transport failure; messages name the kind of failure only, never a URL, header or body. */
    private TokenUnavailableException failure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpTimeoutException) {
                return timedOut();
            }
            if (t instanceof BoundedBodySubscriber.TooLargeException) {
                return TokenUnavailableException.malformed(
                        "The token endpoint answered with a body over " + MAX_ANSWER_BYTES + " bytes");
            }
            if (t instanceof ConnectException) {
                return TokenUnavailableException.unreachable("The token endpoint could not be reached (connection failed)", null);
            }
            if (t instanceof SSLException) {
                return TokenUnavailableException.unreachable("The token endpoint could not be reached (TLS handshake failed)", null);
            }
            if (t instanceof RejectedExecutionException) {
                return TokenUnavailableException.unreachable("The bearer token filter is shut down", null);
            }
        }
        LOG.log(Level.DEBUG, "Token endpoint exchange failed with {0}",
                failure == null ? "an unknown failure" : failure.getClass().getName());
        return TokenUnavailableException.unreachable(failure instanceof IOException
                ? "The token endpoint exchange failed (connection closed or reset)"
                : "The token endpoint exchange failed unexpectedly", null);
    }

    private Token parse(HttpResponse<byte[]> answer) throws TokenUnavailableException {
        int status = answer.statusCode();
        Object document;
        try {
            document = json.parse(new String(answer.body(), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw TokenUnavailableException.malformed("The token endpoint answered HTTP " + status + " with a body that is not JSON");
        }
        if (!(document instanceof Map) && !(document instanceof List)) {
            throw TokenUnavailableException.malformed("The token endpoint answered HTTP " + status + " with a body that is not a JSON object");
        }
        Object value;
        try {
            value = settings.tokenPath().read(document, jsonConfig);
        } catch (RuntimeException e) {
            value = null;
        }
        if (!(value instanceof String token) || token.isBlank()) {
            throw TokenUnavailableException.malformed("The token endpoint answered HTTP " + status
                    + " without a non-empty string at " + settings.tokenPath().getPath());
        }
        String etag = answer.headers().firstValue("ETag").orElse(null);
        return new Token(token, etag, remainingLifetime(document, answer), clock.instant());
    }

    /**
     * {@code expires_in} (RFC 6749 §5.1) minus the answer's {@code Age}: the loopback passes the stored
     * body unchanged, so a cache hit's {@code expires_in} is as old as the entry.
     */
    private static Duration remainingLifetime(Object document, HttpResponse<byte[]> answer) {
        if (!(document instanceof Map<?, ?> map)) {
            return null;
        }
        OptionalLong seconds = seconds(map.get("expires_in"));
        if (seconds.isEmpty()) {
            return null;
        }
        long age = seconds(answer.headers().firstValue("Age").orElse(null)).orElse(0);
        return Duration.ofSeconds(Math.max(0, seconds.getAsLong() - age));
    }

    private static OptionalLong seconds(Object value) {
        if (value instanceof Number n) {
            return n.longValue() >= 0 ? OptionalLong.of(n.longValue()) : OptionalLong.empty();
        }
        if (value instanceof String s && s.trim().matches("\\d{1,12}")) {
            return OptionalLong.of(Long.parseLong(s.trim()));
        }
        return OptionalLong.empty();
    }
}
