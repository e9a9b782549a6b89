package dev.authloopback.filter.internal;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.URI;
import java.util.function.BiConsumer;

/**
 * {@link FilterTracing} through the OpenTelemetry API. Loaded only once {@link FilterTracing#detect}
 * found the API; the filter's shaded HTTP client is invisible to the Java agent, so the filter makes
 * the client span of the token fetch and injects {@code traceparent} itself.
 */
public final class OpenTelemetryFilterTracing implements FilterTracing {
    /** Instrumentation scope name of the filter's spans. */
    public static final String SCOPE = "dev.authloopback.filter";
    /** On the span that needed a token: {@code near_cache} (no fetch) or {@code loopback} (a fetch span follows). */
    public static final AttributeKey<String> TOKEN_SOURCE = AttributeKey.stringKey("auth_loopback.token.source");

    private final boolean enabled;
    private final Tracer tracer;
    private final TextMapPropagator propagator;

    public OpenTelemetryFilterTracing(OpenTelemetry openTelemetry) {
        if (openTelemetry == null) {
            throw new IllegalArgumentException("openTelemetry must not be null");
        }
        this.enabled = openTelemetry.getTracerProvider() != TracerProvider.noop();
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    static FilterTracing fromGlobal() {
        OpenTelemetryFilterTracing tracing = new OpenTelemetryFilterTracing(GlobalOpenTelemetry.get());
        return tracing.enabled && contextWorks() ? tracing : NONE;
    }

    /**
     * Tracing must never cost a business request: an API copy whose context storage cannot start (the
     * container offering another copy's service files: "not a subtype") turns it off, once.
     */
    private static boolean contextWorks() {
        try {
            Context.current();
            return true;
        } catch (LinkageError | java.util.ServiceConfigurationError e) {
            System.getLogger("dev.authloopback.filter").log(System.Logger.Level.WARNING,
                    "OpenTelemetry tracing is off: its context storage failed to start ({0})", e.toString());
            return false;
        }
    }

    @Override
    public TokenSource fetches(TokenSource loopback, String method, URI tokenUrl) {
        return new FetchSpan(loopback, tracer, method, tokenUrl);
    }

    @Override
    public void servingFromNearCache() {
        Span.current().setAttribute(TOKEN_SOURCE, "near_cache");
    }

    @Override
    public void inject(BiConsumer<String, String> headers) {
        propagator.inject(Context.current(), headers, BiConsumer::accept);
    }
}
