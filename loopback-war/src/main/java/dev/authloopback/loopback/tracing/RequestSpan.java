package dev.authloopback.loopback.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;

/**
 * The span a token request is answered in: the agent's server span (only enriched) or the loopback's
 * own (also made current, ended by {@link #close()}).
 */
public final class RequestSpan implements AutoCloseable {
    static final RequestSpan NONE = new RequestSpan(Span.getInvalid(), false);

    private final Span span;
    private final boolean owned;
    private final Scope scope;

    RequestSpan(Span span, boolean owned) {
        this.span = span;
        this.owned = owned;
        this.scope = owned ? span.makeCurrent() : null;
    }

    /** The profile and the cache outcome (HIT, MISS, ...) of an answered request. */
    public void answered(String profile, String cacheStatus, int status) {
        if (this == NONE) {
            return;
        }
        span.setAttribute(LoopbackTracing.PROFILE, profile == null ? "default" : profile);
        span.setAttribute(LoopbackTracing.CACHE, cacheStatus);
        if (owned) {
            span.setAttribute(LoopbackTracing.HTTP_STATUS, (long) status);
        }
    }

    /** A problem answer: the span is an error, with the problem's type (its detail stays out). */
    public void failed(String profile, String cacheStatus, int status, String problemType) {
        if (this == NONE) {
            return;
        }
        answered(profile, cacheStatus, status);
        span.setAttribute(LoopbackTracing.PROBLEM_TYPE, problemType);
        span.setStatus(StatusCode.ERROR, problemType);
    }

    @Override
    public void close() {
        if (owned) {
            scope.close();
            span.end();
        }
    }
}
