package dev.authloopback.filter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FilterTracingTest {

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
    void detectWhenTheApiIsNotOnTheClassPathThenNothingIsTraced() {
        // A loader that sees only the JDK: the business app without opentelemetry-api.
        ClassLoader jdkOnly = new ClassLoader(null) {
        };
        assertSame(FilterTracing.NONE, FilterTracing.detect(jdkOnly));
    }

    @Test
    void noneReturnsTheLoopbackSourceItselfAndInjectsNothing() {
        TokenSource loopback = constant("abc");
        assertSame(loopback, FilterTracing.NONE.fetches(loopback, "POST", URI.create("http://127.0.0.1:8082/loopback")));
        Map<String, String> headers = new HashMap<>();
        FilterTracing.NONE.inject(headers::put);
        assertTrue(headers.isEmpty(), headers::toString);
    }

    @Test
    void fetchIsAClientSpanAndItsTraceparentGoesWithTheRequest() throws Exception {
        OpenTelemetryFilterTracing tracing = new OpenTelemetryFilterTracing(sdk);
        Map<String, String> sent = new HashMap<>();
        TokenSource loopback = new TokenSource() {
            @Override
            public Token token() {
                tracing.inject(sent::put); // what TokenEndpointConnection does while the span is current
                return new Token("secret-token-value", null, null, Instant.EPOCH);
            }

            @Override
            public void evict(Token refused) {
            }
        };
        tracing.fetches(loopback, "POST", URI.create("http://127.0.0.1:8082/loopback?x=y")).token();

        SpanData span = spans.getFinishedSpanItems().get(0);
        assertEquals(SpanKind.CLIENT, span.getKind());
        assertEquals("POST /loopback", span.getName());
        assertTrue(sent.get("traceparent").startsWith("00-" + span.getTraceId() + "-" + span.getSpanId() + "-"), sent::toString);
        assertTrue(!span.getAttributes().toString().contains("secret-token-value"), span::toString);
    }

    @Test
    void aFailedFetchIsAnErrorWithItsKind() {
        OpenTelemetryFilterTracing tracing = new OpenTelemetryFilterTracing(sdk);
        TokenSource failing = new TokenSource() {
            @Override
            public Token token() throws TokenUnavailableException {
                throw TokenUnavailableException.errorStatus(502);
            }

            @Override
            public void evict(Token refused) {
            }
        };
        try {
            tracing.fetches(failing, "POST", URI.create("http://127.0.0.1:8082/loopback")).token();
        } catch (TokenUnavailableException expected) {
            // the span is what this test is about
        }
        SpanData span = spans.getFinishedSpanItems().get(0);
        assertEquals(StatusCode.ERROR, span.getStatus().getStatusCode());
        assertEquals("ERROR_STATUS", span.getAttributes().get(FetchSpan.ERROR_TYPE));
    }

    @Test
    void aNearCacheAnswerMarksTheBusinessSpanAndMakesNoFetchSpan() throws Exception {
        OpenTelemetryFilterTracing tracing = new OpenTelemetryFilterTracing(sdk);
        NearCache near = new NearCache(tracing.fetches(constant("abc"), "POST", URI.create("http://127.0.0.1:8082/loopback")),
                java.time.Duration.ofSeconds(10), java.time.Clock.fixed(Instant.EPOCH, java.time.ZoneOffset.UTC));
        for (String name : List.of("first business request", "second business request")) {
            io.opentelemetry.api.trace.Span business = sdk.getTracer("app").spanBuilder(name).startSpan();
            try (io.opentelemetry.context.Scope ignored = business.makeCurrent()) {
                tracing.servingFromNearCache(); // what TokenService does before asking the near cache
                near.token();
            } finally {
                business.end();
            }
        }
        Map<String, String> source = new HashMap<>();
        spans.getFinishedSpanItems().stream().filter(s -> s.getName().endsWith("business request")).forEach(s ->
                source.put(s.getName(), s.getAttributes().get(OpenTelemetryFilterTracing.TOKEN_SOURCE)));
        assertEquals(Map.of("first business request", "loopback", "second business request", "near_cache"), source);
        assertEquals(1, spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT).count());
    }

    private static TokenSource constant(String value) {
        return new TokenSource() {
            @Override
            public Token token() {
                return new Token(value, null, null, Instant.EPOCH);
            }

            @Override
            public void evict(Token refused) {
            }
        };
    }
}
