package dev.authloopback.loopback.tracing;

import dev.authloopback.loopback.cache.CacheKeys;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Collections;
import java.util.concurrent.Executor;

/**
 * The loopback's OpenTelemetry spans, through the API only (docs/tracing.md). With the Java agent the
 * loopback adds its attributes to the agent's server span and leaves the HTTP client span of the
 * upstream call to the agent's JDK {@code HttpClient} instrumentation; with no agent but an SDK
 * registered as {@link GlobalOpenTelemetry}, it makes those two spans itself and propagates W3C
 * {@code traceparent} to the token endpoint. With neither, every method returns at once.
 *
 * <p>What goes on a span: profile, cache outcome, the short key id (a hash of a hash, as in the log
 * lines), upstream status and the store decision. Never a token, secret, {@code Authorization}
 * value or body.
 */
public final class LoopbackTracing {
    /** Instrumentation scope name of the loopback's spans. */
    public static final String SCOPE = "dev.authloopback.loopback";

    public static final AttributeKey<String> PROFILE = AttributeKey.stringKey("loopback.profile");
    /** HIT, MISS, COALESCED, STALE, BYPASS or FAILED (the X-Loopback-Cache values, outcome.CacheStatus). */
    public static final AttributeKey<String> CACHE = AttributeKey.stringKey("loopback.cache");
    /** The 12-hex-digit key id of the log lines; never the key material. */
    public static final AttributeKey<String> KEY_ID = AttributeKey.stringKey("loopback.key_id");
    /** What the cache did with an upstream answer: STORE, SKIP(status), ... */
    public static final AttributeKey<String> ACTION = AttributeKey.stringKey("loopback.action");
    /** The {@code type} of the problem answer, e.g. {@code urn:authloopback:problem:upstream-unreachable}. */
    public static final AttributeKey<String> PROBLEM_TYPE = AttributeKey.stringKey("loopback.problem.type");
    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

    /** Class on the system class path while the OpenTelemetry Java agent runs (its -javaagent jar). */
    static final String AGENT_CLASS = "io.opentelemetry.javaagent.OpenTelemetryAgent";

    private static final TextMapGetter<HttpServletRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServletRequest carrier) {
            return Collections.list(carrier.getHeaderNames());
        }

        @Override
        public String get(HttpServletRequest carrier, String key) {
            return carrier == null ? null : carrier.getHeader(key);
        }
    };

    private final boolean enabled;
    private final boolean agent;
    private final Tracer tracer;
    private final TextMapPropagator propagator;

    /**
     * @param openTelemetry the API entry point: {@link GlobalOpenTelemetry#get()} in a server (the
     *                      agent installs itself there), an SDK in tests
     * @param agent         whether the Java agent runs, so that its spans are enriched, not doubled
     */
    public LoopbackTracing(OpenTelemetry openTelemetry, boolean agent) {
        if (openTelemetry == null) {
            throw new IllegalArgumentException("openTelemetry must not be null");
        }
        // The no-op API hands out its one no-op provider: nothing to record, so nothing is done at all.
        this.enabled = openTelemetry.getTracerProvider() != TracerProvider.noop() && contextWorks();
        this.agent = agent;
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** What a deployed WAR uses: the global instance, which the agent (if any) has set before the WAR starts. */
    public static LoopbackTracing fromGlobal() {
        return new LoopbackTracing(GlobalOpenTelemetry.get(), agentRuns());
    }

    /** Tracing that does nothing (unit tests, and the embedded launcher without an SDK). */
    public static LoopbackTracing none() {
        return new LoopbackTracing(OpenTelemetry.noop(), false);
    }

    /**
     * Tracing must never cost a token answer: an API copy whose context storage cannot start (a
     * server class path offering another copy's service files: "not a subtype") turns it off, once.
     */
    private static boolean contextWorks() {
        try {
            Context.current();
            return true;
        } catch (LinkageError | java.util.ServiceConfigurationError e) {
            System.getLogger("dev.authloopback.loopback").log(System.Logger.Level.WARNING,
                    "OpenTelemetry tracing is off: its context storage failed to start ({0})", e.toString());
            return false;
        }
    }

    static boolean agentRuns() {
        try {
            Class.forName(AGENT_CLASS, false, ClassLoader.getSystemClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return false;
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The span of one token request: the agent's server span when there is one (it is current when
     * the servlet runs), else a server span of the loopback's own, child of the caller's
     * {@code traceparent}. Close it when the answer is written.
     */
    public RequestSpan request(HttpServletRequest request, String route) {
        if (!enabled) {
            return RequestSpan.NONE;
        }
        Span current = Span.current();
        if (current.getSpanContext().isValid()) {
            return new RequestSpan(current, false);
        }
        Context parent = propagator.extract(Context.root(), request, HEADERS);
        Span own = tracer.spanBuilder(request.getMethod() + " " + route).setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(HTTP_METHOD, request.getMethod())
                .setAttribute(URL_PATH, request.getRequestURI())
                .startSpan();
        return new RequestSpan(own, true);
    }

    /** Names the cache key on the current span (a short hash, worked out only when tracing is on). */
    public void keyed(String key) {
        if (enabled) {
            Span.current().setAttribute(KEY_ID, CacheKeys.keyId(key));
        }
    }

    /**
     * A caller that shared another caller's upstream call points at it: a span link, since that
     * call belongs to the other caller's trace.
     */
    public void sharedFetch(SpanContext upstream) {
        if (enabled && upstream != null && upstream.isValid()) {
            Span current = Span.current();
            if (!current.getSpanContext().equals(upstream)) {
                current.addLink(upstream);
            }
        }
    }

    /** The current span's context, for a lease or a link; {@code null} when tracing is off. */
    public SpanContext currentContext() {
        if (!enabled) {
            return null;
        }
        SpanContext context = Span.current().getSpanContext();
        return context.isValid() ? context : null;
    }

    /** The current span as a W3C traceparent, for a cluster lease; {@code null} when there is none. */
    public String traceparent() {
        SpanContext context = currentContext();
        return context == null ? null
                : "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /** The span a lease named (see {@link #traceparent()}); {@code null} when none or malformed. */
    public SpanContext spanOf(String traceparent) {
        if (!enabled || traceparent == null || traceparent.length() != 55 || !traceparent.startsWith("00-")) {
            return null;
        }
        SpanContext context = SpanContext.createFromRemoteParent(traceparent.substring(3, 35),
                traceparent.substring(36, 52), TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
        return context.isValid() ? context : null;
    }

    /**
     * The one upstream call of a flight. With the agent, an internal span around the agent's own
     * HTTP client span (which is its child); without it, the HTTP client span itself.
     */
    public UpstreamSpan upstream(String profile, String method, URI url) {
        if (!enabled) {
            return UpstreamSpan.NONE;
        }
        Span span = tracer.spanBuilder(agent ? "loopback upstream" : method)
                .setSpanKind(agent ? SpanKind.INTERNAL : SpanKind.CLIENT)
                .setAttribute(PROFILE, profile)
                .setAttribute(HTTP_METHOD, method)
                .setAttribute(SERVER_ADDRESS, url.getHost())
                .setAttribute(SERVER_PORT, (long) port(url))
                .startSpan();
        return new UpstreamSpan(span);
    }

    /**
     * W3C {@code traceparent} onto the upstream request, when the loopback made the client span
     * itself; the agent injects its own into the requests of the {@code HttpClient} it instruments.
     */
    public void inject(HttpRequest.Builder call) {
        if (enabled && !agent) {
            propagator.inject(Context.current(), call, HttpRequest.Builder::setHeader);
        }
    }

    /**
     * Refresh ahead runs in the background for no caller: each refresh is a trace of its own, linked
     * to the request whose hit started it.
     */
    public Executor refreshes(Executor executor) {
        if (!enabled) {
            return executor;
        }
        return task -> {
            SpanContext trigger = Span.current().getSpanContext();
            executor.execute(() -> {
                var builder = tracer.spanBuilder("loopback refresh-ahead").setNoParent()
                        .setSpanKind(SpanKind.INTERNAL);
                if (trigger.isValid()) {
                    builder.addLink(trigger);
                }
                Span span = builder.startSpan();
                try (var ignored = span.makeCurrent()) {
                    task.run();
                } finally {
                    span.end();
                }
            });
        };
    }

    private static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }
}
