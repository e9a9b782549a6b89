package dev.authloopback.filter.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.net.URI;

/**
 * Each ask of the loopback as a client span, child of the business request's span and current while
 * the request is sent (so its {@code traceparent} goes with it). Evictions are not traced: they are
 * rare and their 401 is already on the business app's own client span.
 */
final class FetchSpan implements TokenSource {
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

    private final TokenSource loopback;
    private final Tracer tracer;
    private final String method;
    private final String name;
    private final String host;
    private final long port;

    FetchSpan(TokenSource loopback, Tracer tracer, String method, URI tokenUrl) {
        this.loopback = loopback;
        this.tracer = tracer;
        this.method = method;
        // Path only: the query of a token-url could hold anything an operator put there.
        this.name = method + " " + (tokenUrl.getRawPath() == null || tokenUrl.getRawPath().isEmpty()
                ? "/" : tokenUrl.getRawPath());
        this.host = tokenUrl.getHost();
        this.port = tokenUrl.getPort() > 0 ? tokenUrl.getPort() : "https".equalsIgnoreCase(tokenUrl.getScheme()) ? 443 : 80;
    }

    @Override
    public Token token() throws TokenUnavailableException {
        Span.current().setAttribute(OpenTelemetryFilterTracing.TOKEN_SOURCE, "loopback");
        Span span = tracer.spanBuilder(name).setSpanKind(SpanKind.CLIENT)
                .setAttribute(HTTP_METHOD, method)
                .setAttribute(SERVER_ADDRESS, host)
                .setAttribute(SERVER_PORT, port)
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            Token token = loopback.token();
            span.setAttribute(HTTP_STATUS, 200L);
            return token;
        } catch (TokenUnavailableException e) {
            if (e.status() > 0) {
                span.setAttribute(HTTP_STATUS, (long) e.status());
            }
            span.setAttribute(ERROR_TYPE, e.kind().name());
            span.setStatus(StatusCode.ERROR, e.kind().name());
            throw e;
        } finally {
            span.end();
        }
    }

    @Override
    public void evict(Token refused) {
        loopback.evict(refused);
    }
}
