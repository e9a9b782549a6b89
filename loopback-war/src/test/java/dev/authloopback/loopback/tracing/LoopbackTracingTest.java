package dev.authloopback.loopback.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopbackTracingTest {

    private static final URI UPSTREAM = URI.create("http://127.0.0.1:9000/token");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();

    @AfterEach
    void close() {
        sdk.close();
    }

    @Test
    void withTheNoOpApiNothingIsTracedOrInjected() {
        LoopbackTracing tracing = LoopbackTracing.none();
        assertFalse(tracing.enabled());
        try (UpstreamSpan span = tracing.upstream("default", "POST", UPSTREAM)) {
            assertNull(span.context());
        }
        HttpRequest.Builder call = HttpRequest.newBuilder(UPSTREAM);
        tracing.inject(call);
        assertTrue(call.build().headers().firstValue("traceparent").isEmpty());
    }

    @Test
    void withoutTheAgentTheUpstreamSpanIsTheClientSpanAndItsContextGoesUpstream() {
        LoopbackTracing tracing = new LoopbackTracing(sdk, false);
        HttpRequest.Builder call = HttpRequest.newBuilder(UPSTREAM);
        try (UpstreamSpan span = tracing.upstream("default", "POST", UPSTREAM)) {
            tracing.inject(call);
            span.answered(200, "STORE");
        }
        SpanData span = spans.getFinishedSpanItems().get(0);
        assertEquals(SpanKind.CLIENT, span.getKind());
        assertEquals("POST", span.getName());
        String traceparent = call.build().headers().firstValue("traceparent").orElse("");
        assertTrue(traceparent.startsWith("00-" + span.getTraceId() + "-" + span.getSpanId() + "-"), traceparent);
    }

    @Test
    void withTheAgentTheUpstreamSpanIsInternalAndTheAgentInjects() {
        LoopbackTracing tracing = new LoopbackTracing(sdk, true);
        HttpRequest.Builder call = HttpRequest.newBuilder(UPSTREAM);
        try (UpstreamSpan span = tracing.upstream("default", "POST", UPSTREAM)) {
            tracing.inject(call);
        }
        assertEquals(SpanKind.INTERNAL, spans.getFinishedSpanItems().get(0).getKind());
        assertTrue(call.build().headers().firstValue("traceparent").isEmpty());
    }

    @Test
    void aRefreshIsATraceOfItsOwnLinkedToTheRequestThatStartedIt() {
        LoopbackTracing tracing = new LoopbackTracing(sdk, false);
        Span request = sdk.getTracer("test").spanBuilder("hit").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            tracing.refreshes(Runnable::run).execute(() -> {
            });
        } finally {
            request.end();
        }
        SpanData refresh = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("loopback refresh-ahead"))
                .findFirst().orElseThrow();
        assertFalse(refresh.getParentSpanContext().isValid());
        assertEquals(List.of(request.getSpanContext()), refresh.getLinks().stream().map(l -> l.getSpanContext()).toList());
    }

    @Test
    void theTraceparentALeaseCarriesNamesTheCurrentSpanAndReadsBack() {
        LoopbackTracing tracing = new LoopbackTracing(sdk, false);
        Span holder = sdk.getTracer("test").spanBuilder("holder").startSpan();
        try (Scope ignored = holder.makeCurrent()) {
            String traceparent = tracing.traceparent();
            assertEquals(holder.getSpanContext().getSpanId(), tracing.spanOf(traceparent).getSpanId());
            assertEquals(holder.getSpanContext().getTraceId(), tracing.spanOf(traceparent).getTraceId());
        } finally {
            holder.end();
        }
        assertNull(tracing.traceparent(), "no span current: nothing to carry");
        assertNull(tracing.spanOf("00-garbage"));
        assertNull(tracing.spanOf(null));
    }

    @Test
    void aSharedFetchIsALinkOnTheCallersSpan() {
        LoopbackTracing tracing = new LoopbackTracing(sdk, false);
        Span leader = sdk.getTracer("test").spanBuilder("upstream").startSpan();
        leader.end();
        Span waiter = sdk.getTracer("test").spanBuilder("waiter").startSpan();
        try (Scope ignored = waiter.makeCurrent()) {
            tracing.sharedFetch(leader.getSpanContext());
        } finally {
            waiter.end();
        }
        SpanData waited = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("waiter")).findFirst()
                .orElseThrow();
        assertEquals(leader.getSpanContext(), waited.getLinks().get(0).getSpanContext());
    }
}
