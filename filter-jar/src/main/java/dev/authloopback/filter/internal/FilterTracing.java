package dev.authloopback.filter.internal;

import java.util.function.BiConsumer;

/**
 * The filter's tracing, with no OpenTelemetry type in its signature: the API is an optional
 * dependency of the filter jar, so this interface must load in a business app that lacks it.
 * {@link #detect(ClassLoader)} looks once, when the filter starts; only then is the class that uses
 * the API ({@link OpenTelemetryFilterTracing}) loaded.
 */
public interface FilterTracing {

    /** When the API is absent: nothing is traced, nothing is injected. */
    FilterTracing NONE = new FilterTracing() {
        @Override
        public TokenSource fetches(TokenSource loopback, String method, java.net.URI tokenUrl) {
            return loopback;
        }

        @Override
        public void servingFromNearCache() {
        }

        @Override
        public void inject(BiConsumer<String, String> headers) {
        }
    };

    /** Class whose presence says the OpenTelemetry API is on the business app's class path. */
    String API_CLASS = "io.opentelemetry.api.GlobalOpenTelemetry";

    /**
     * The business app's tracing: through {@code GlobalOpenTelemetry} (where the Java agent or the
     * app's SDK installs itself) when the API is visible to {@code loader}, else {@link #NONE}.
     */
    static FilterTracing detect(ClassLoader loader) {
        try {
            Class.forName(API_CLASS, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return NONE;
        }
        return OpenTelemetryFilterTracing.fromGlobal();
    }

    /** Wraps the token source that asks the loopback, so each ask is a client span ({@link FetchSpan}). */
    TokenSource fetches(TokenSource loopback, String method, java.net.URI tokenUrl);

    /**
     * Called before the near cache is asked: marks the current span as served from it; a fetch that
     * follows overwrites the mark (one attribute, no span per request).
     */
    void servingFromNearCache();

    /** Adds the current trace context (W3C {@code traceparent}) to a request to the loopback. */
    void inject(BiConsumer<String, String> headers);
}
