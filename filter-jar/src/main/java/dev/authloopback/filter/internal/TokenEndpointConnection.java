package dev.authloopback.filter.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP exchange with the token endpoint: Apache HttpClient 5 classic (blocking), pooled
 * keep-alive connections, the whole exchange on the business request's own thread.
 *
 * <p>Why this client: under wrk load, JFR showed the JDK {@code HttpClient} handing every exchange
 * from the request thread to its selector thread and back through an executor, and, on a 2-core
 * machine, starting a new thread per exchange ({@code sendAsync}'s completion runs on
 * {@code CompletableFuture}'s default executor, a thread per task when the common pool has fewer
 * than two workers). A blocking client on the caller's thread has no hand-off at all; side by side
 * it cost half the JDK client's time per token hop.
 *
 * <p>Bounds: connect-timeout for the connection (and for the wait for a pooled one), read-timeout
 * per read, and connect-timeout + read-timeout for the whole exchange, body included: a watchdog
 * aborts an exchange that outlives it, so a trickling endpoint cannot hold a request thread longer.
 *
 * <p>Logging: the shaded client logs through a relocated SLF4J bound to its NOP provider (see the
 * filter-jar POM), because its header and wire logs would show the token request's credentials and
 * the token. What the filter needs to say, it logs itself through {@code System.Logger}.
 */
final class TokenEndpointConnection implements AutoCloseable {

    /** Token answers are a few KiB; anything this large is not one. */
    static final int MAX_ANSWER_BYTES = 1 << 20;
    /** More than a Jetty or WildFly request pool runs at once; beyond it, requests wait connect-timeout for one. */
    static final int MAX_CONNECTIONS = 256;

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    private final FilterSettings settings;
    /** Adds the trace context (W3C traceparent): the agent does not see this shaded client. */
    private final Consumer<BiConsumer<String, String>> traceHeaders;
    private final CloseableHttpClient http;
    private final ScheduledThreadPoolExecutor watchdog;
    private final long exchangeLimitMillis;
    private final byte[] body;
    private final ContentType contentType;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** The answer, read whole (bounded): status, the headers the filter uses, body. */
    record Answer(int status, String etag, String age, byte[] body, String dpopNonce) {
        Answer(int status, String etag, String age, byte[] body) {
            this(status, etag, age, body, null);
        }
    }

    /** The endpoint answered with a body over {@link #MAX_ANSWER_BYTES}. */
    static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException() {
            super("answer body over " + MAX_ANSWER_BYTES + " bytes");
        }
    }

    TokenEndpointConnection(FilterSettings settings, Consumer<BiConsumer<String, String>> traceHeaders) {
        this.settings = settings;
        this.traceHeaders = traceHeaders;
        this.exchangeLimitMillis = settings.connectTimeout().plus(settings.readTimeout()).toMillis();
        this.body = settings.tokenBody().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        this.contentType = ContentType.parse(settings.tokenContentType());
        Timeout connect = Timeout.ofMilliseconds(settings.connectTimeout().toMillis());
        Timeout read = Timeout.ofMilliseconds(settings.readTimeout().toMillis());
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(MAX_CONNECTIONS)
                .setMaxConnPerRoute(MAX_CONNECTIONS)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        .setSocketTimeout(read)
                        // A connection idle this long is checked before reuse: the loopback may have closed it.
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build())
                .build();
        // No redirects (a token request must not wander), no cookies, no automatic retries (the one
        // repeat after a dropped keep-alive connection is ours), no proxy from system properties.
        this.http = HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(connect)
                        .setResponseTimeout(read)
                        .setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableAutomaticRetries()
                .disableContentCompression()
                .build();
        AtomicInteger threads = new AtomicInteger();
        String prefix = "bearer-token-http-watchdog-" + Integer.toHexString(System.identityHashCode(this)) + "-";
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, prefix + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.watchdog.setRemoveOnCancelPolicy(true);
    }

    /**
     * One exchange with the configured URL, body and headers, repeated once when a pooled keep-alive
     * connection turns out to have been closed by the endpoint while idle (a token request, and a
     * conditional DELETE, are safe to send again). Both attempts share the connect + read budget.
     *
     * @param ifMatch {@code If-Match} value for the conditional eviction, or {@code null}
     */
    Answer exchange(String method, String ifMatch) throws TokenUnavailableException {
        return exchange(method, ifMatch, body, null, null);
    }

    /**
     * @param url   another URL of the same endpoint (the loopback's DPoP metadata), read with no body;
     *              {@code null} for the token URL
     * @param proof a DPoP proof (RFC 9449) for the {@code DPoP} header, or {@code null}
     */
    Answer exchange(String method, String ifMatch, java.net.URI url, String proof) throws TokenUnavailableException {
        return exchange(method, ifMatch, body, url, proof);
    }

    /**
     * As {@link #exchange(String, String)} with the configured body followed by {@code more} (one
     * more form field, already encoded): on-behalf-of mode adds the user's token per request.
     */
    Answer exchange(String method, String ifMatch, String more) throws TokenUnavailableException {
        byte[] extra = more.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] joined;
        if (body.length == 0) {
            joined = extra;
        } else {
            joined = java.util.Arrays.copyOf(body, body.length + 1 + extra.length);
            joined[body.length] = '&';
            System.arraycopy(extra, 0, joined, body.length + 1, extra.length);
        }
        return exchange(method, ifMatch, joined, null, null);
    }

    private Answer exchange(String method, String ifMatch, byte[] body, java.net.URI url, String proof)
            throws TokenUnavailableException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(exchangeLimitMillis);
        try {
            return exchangeOnce(method, ifMatch, body, url, proof, exchangeLimitMillis);
        } catch (DroppedConnection dropped) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw dropped.failure;
            }
            LOG.log(Level.DEBUG, "Token endpoint connection was closed under the request; sending it once more");
            try {
                return exchangeOnce(method, ifMatch, body, url, proof, left);
            } catch (DroppedConnection again) {
                throw again.failure;
            }
        }
    }

    private Answer exchangeOnce(String method, String ifMatch, byte[] body, java.net.URI url, String proof,
                                long limitMillis)
            throws TokenUnavailableException, DroppedConnection {
        if (closed.get()) {
            throw TokenUnavailableException.unreachable("The bearer token filter is shut down", null);
        }
        HttpUriRequestBase request = new HttpUriRequestBase(method, url == null ? settings.tokenUrl() : url);
        request.setHeader("Accept", "application/json");
        for (Map.Entry<String, String> h : settings.tokenHeaders()) {
            request.addHeader(h.getKey(), h.getValue());
        }
        if (ifMatch != null) {
            request.setHeader("If-Match", ifMatch);
        }
        traceHeaders.accept(request::setHeader);
        if (proof != null) {
            request.setHeader("DPoP", proof);
        }
        if (url == null && (body.length > 0 || !"GET".equals(method))) {
            request.setEntity(new ByteArrayEntity(body, contentType));
        }
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> abort;
        try {
            abort = watchdog.schedule(() -> {
                expired.set(true);
                request.cancel();
            }, limitMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw TokenUnavailableException.unreachable("The bearer token filter is shut down", null);
        }
        try {
            return http.execute(request, TokenEndpointConnection::read);
        } catch (IOException | RuntimeException e) {
            if (expired.get()) {
                throw timedOut();
            }
            TokenUnavailableException failure = failure(e);
            if (isDroppedConnection(e)) {
                throw new DroppedConnection(failure);
            }
            throw failure;
        } finally {
            abort.cancel(false);
        }
    }

    private static Answer read(ClassicHttpResponse response) throws IOException {
        HttpEntity entity = response.getEntity();
        byte[] bytes = new byte[0];
        if (entity != null) {
            if (entity.getContentLength() > MAX_ANSWER_BYTES) {
                throw new TooLargeException();
            }
            try (InputStream in = entity.getContent()) {
                bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
            }
            if (bytes.length > MAX_ANSWER_BYTES) {
                throw new TooLargeException();
            }
        }
        return new Answer(response.getCode(), value(response.getFirstHeader("ETag")),
                value(response.getFirstHeader("Age")), bytes, value(response.getFirstHeader("DPoP-Nonce")));
    }

    private static String value(Header header) {
        return header == null ? null : header.getValue();
    }

    /** Stops the pool and the watchdog; later calls fail as UNREACHABLE. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            http.close(CloseMode.IMMEDIATE);
            watchdog.shutdownNow();
        }
    }

    /** Closed or reset under an exchange: not a timeout, refusal, TLS or size problem. */
    private static boolean isDroppedConnection(Throwable failure) {
        boolean io = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InterruptedIOException || t instanceof ConnectException || t instanceof ConnectTimeoutException
                    || t instanceof HttpHostConnectException || t instanceof UnknownHostException
                    || t instanceof SSLException || t instanceof TooLargeException) {
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
            if (t instanceof TooLargeException) {
                return TokenUnavailableException.malformed(
                        "The token endpoint answered with a body over " + MAX_ANSWER_BYTES + " bytes");
            }
            if (t instanceof ConnectTimeoutException) {
                return TokenUnavailableException.timeout("The token endpoint did not accept a connection within "
                        + Durations.format(settings.connectTimeout()) + " (connect)");
            }
            if (t instanceof ConnectionRequestTimeoutException) {
                return TokenUnavailableException.timeout("All " + MAX_CONNECTIONS + " connections to the token endpoint"
                        + " stayed busy for " + Durations.format(settings.connectTimeout()) + " (connect)");
            }
            if (t instanceof SocketTimeoutException) {
                return TokenUnavailableException.timeout("The token endpoint sent nothing for "
                        + Durations.format(settings.readTimeout()) + " (read)");
            }
            if (t instanceof InterruptedIOException) {
                return timedOut();
            }
            if (t instanceof UnknownHostException) {
                return TokenUnavailableException.unreachable("The token endpoint could not be reached (unknown host:"
                        + " the name in token-url did not resolve)", null);
            }
            if (t instanceof ConnectException || t instanceof HttpHostConnectException) {
                return TokenUnavailableException.unreachable("The token endpoint could not be reached (connection failed)", null);
            }
            if (t instanceof SSLException) {
                return TokenUnavailableException.unreachable("The token endpoint could not be reached (TLS handshake failed)", null);
            }
        }
        LOG.log(Level.DEBUG, "Token endpoint exchange failed with {0}",
                failure == null ? "an unknown failure" : failure.getClass().getName());
        return TokenUnavailableException.unreachable(failure instanceof IOException
                ? "The token endpoint exchange failed (connection closed or reset)"
                : "The token endpoint exchange failed unexpectedly", null);
    }
}
