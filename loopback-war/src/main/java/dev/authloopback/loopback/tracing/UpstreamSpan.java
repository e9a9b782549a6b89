package dev.authloopback.loopback.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;

/** The span of one upstream call, current while it runs (so the agent's HTTP span and traceparent hang under it). */
public final class UpstreamSpan implements AutoCloseable {
    static final UpstreamSpan NONE = new UpstreamSpan(null);

    private final Span span;
    private final Scope scope;

    UpstreamSpan(Span span) {
        this.span = span;
        this.scope = span == null ? null : span.makeCurrent();
    }

    /** For the links of the callers that share this call; {@code null} when tracing is off. */
    public SpanContext context() {
        return span == null ? null : span.getSpanContext();
    }

    /** The upstream answered: its status, and whether the cache stored it. 5xx marks the span an error. */
    public void answered(int status, String action) {
        if (span == null) {
            return;
        }
        span.setAttribute(LoopbackTracing.HTTP_STATUS, (long) status);
        span.setAttribute(LoopbackTracing.ACTION, action);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
    }

    /** No usable answer: an error, with the type of the problem the caller gets. */
    public void failed(String problemType) {
        if (span == null) {
            return;
        }
        span.setAttribute(LoopbackTracing.PROBLEM_TYPE, problemType);
        span.setStatus(StatusCode.ERROR, problemType);
    }

    @Override
    public void close() {
        if (span != null) {
            scope.close();
            span.end();
        }
    }
}
