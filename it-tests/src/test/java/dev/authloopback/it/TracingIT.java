package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.Herd;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.oauth2.FaultyUpstream.Answer;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: one business request end to end in one trace, with the SDK's in-memory exporter standing
 * in for the agent's. The test JVM registers the SDK as {@link GlobalOpenTelemetry}; both WARs see the
 * test classpath's API (as they see the agent's bridge on a standalone server), while the product code
 * only ever asks {@code GlobalOpenTelemetry.get()}.
 *
 * <pre>
 * sample-app [filter: CLIENT "POST /loopback"] --traceparent--> loopback.war [SERVER, loopback.cache=MISS]
 *                                                                 └─ [CLIENT "POST", upstream] --traceparent--> token endpoint
 * </pre>
 *
 * <p>Embedded Jetty has no agent, so there is no business server span: the filter's fetch is the root.
 * The deployment tests (with the real agent) add it.
 */
class TracingIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    /** In the filter's token body and the herd's Authorization: neither may reach any span. */
    private static final String SECRET = "trace-secret-7f3a9c";
    private static final String TOKEN_BODY = "grant_type=client_credentials&client_id=tracing-app&client_secret=" + SECRET;
    private static final String LOOPBACK_SCOPE = "dev.authloopback.loopback";
    private static final String FILTER_SCOPE = "dev.authloopback.filter";
    private static final AttributeKey<String> CACHE = AttributeKey.stringKey("loopback.cache");
    private static final AttributeKey<String> KEY_ID = AttributeKey.stringKey("loopback.key_id");
    private static final AttributeKey<String> PROFILE = AttributeKey.stringKey("loopback.profile");
    private static final AttributeKey<String> PROBLEM_TYPE = AttributeKey.stringKey("loopback.problem.type");
    private static final Duration SPAN_WAIT = Duration.ofSeconds(10);
    private static final int HERD = 8;

    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static OpenTelemetrySdk sdk;

    private final Http http = new Http();

    @BeforeAll
    static void registerSdk() {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        // Another IT of this JVM may have asked for the global instance already (and got the no-op).
        GlobalOpenTelemetry.resetForTest();
        GlobalOpenTelemetry.set(sdk);
    }

    @AfterAll
    static void unregisterSdk() {
        GlobalOpenTelemetry.resetForTest();
        sdk.close();
    }

    @BeforeEach
    void clearSpans() {
        SPANS.reset();
    }

    @Test
    void coldKeyIsOneTraceFromFilterFetchToLoopbackMissToUpstreamThenAHitHasNoUpstreamSpan() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).testOpenTelemetry().start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .filterParam("local-ttl", "0").filterParam("token-body", TOKEN_BODY).testOpenTelemetry().start()) {

            Http.Answer cold = http.get(app.forwardUrl());
            assertEquals(200, cold.status(), cold::toString);
            List<SpanData> first = awaitSpans(s -> true, 3);
            Supplier<String> message = () -> "answer: " + cold + "\nspans:\n" + describe(SPANS.getFinishedSpanItems());

            SpanData fetch = only(first, s -> scope(s, FILTER_SCOPE), message);
            SpanData request = only(first, s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.SERVER, message);
            SpanData call = only(first, s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.CLIENT, message);
            assertEquals(SpanKind.CLIENT, fetch.getKind(), message);
            assertEquals("POST /loopback", fetch.getName(), message);
            assertFalse(fetch.getParentSpanContext().isValid(), message); // no agent: nothing above the filter
            assertEquals(fetch.getTraceId(), request.getTraceId(), message);
            assertEquals(fetch.getSpanId(), request.getParentSpanId(), message);
            assertEquals(request.getTraceId(), call.getTraceId(), message);
            assertEquals(request.getSpanId(), call.getParentSpanId(), message);
            assertEquals("MISS", request.getAttributes().get(CACHE), message);
            assertEquals("default", request.getAttributes().get(PROFILE), message);
            assertTrue(request.getAttributes().get(KEY_ID).matches("[0-9a-f]{12}"), message);
            assertEquals("STORE", call.getAttributes().get(AttributeKey.stringKey("loopback.action")), message);
            // The token endpoint got the upstream span's own context: the IdP's spans join this trace.
            FaultyUpstream.Call seen = upstream.awaitCalls(1, SPAN_WAIT).get(0);
            assertNotNull(seen.traceparent(), message);
            assertTrue(seen.traceparent().startsWith("00-" + call.getTraceId() + "-" + call.getSpanId() + "-"),
                    () -> "traceparent " + seen.traceparent() + "\n" + message.get());

            SPANS.reset();
            Http.Answer warm = http.get(app.forwardUrl());
            assertEquals(200, warm.status(), warm::toString);
            List<SpanData> second = awaitSpans(s -> true, 2);
            Supplier<String> hitMessage = () -> "answer: " + warm + "\nspans:\n" + describe(SPANS.getFinishedSpanItems());
            SpanData hit = only(second, s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.SERVER, hitMessage);
            assertEquals("HIT", hit.getAttributes().get(CACHE), hitMessage);
            assertEquals(request.getAttributes().get(KEY_ID), hit.getAttributes().get(KEY_ID), hitMessage);
            assertTrue(SPANS.getFinishedSpanItems().stream().noneMatch(s -> s.getKind() == SpanKind.CLIENT
                    && scope(s, LOOPBACK_SCOPE)), hitMessage);
            assertEquals(1, upstream.callCount(), hitMessage);

            assertNoSecretIn(SPANS.getFinishedSpanItems(), upstream);
            assertNoSecretIn(first, upstream);
        }
    }

    @Test
    void concurrentColdCallersShareOneUpstreamSpanAndTheCoalescedOnesLinkToIt() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).testOpenTelemetry().start()) {
            upstream.otherwise(Answer.holdUntil(Duration.ofMillis(200), () -> loopback.activeRequests() >= HERD,
                    Duration.ofSeconds(10), Answer.ok()));
            Tracer callers = sdk.getTracer("tracing-it");

            Herd.Outcome herd = Herd.run(HERD, Duration.ofSeconds(30), i -> {
                // Each caller is a trace of its own, as N business requests would be.
                Span caller = callers.spanBuilder("caller " + i).setSpanKind(SpanKind.CLIENT).startSpan();
                try {
                    Map<String, String> headers = new HashMap<>();
                    sdk.getPropagators().getTextMapPropagator().inject(Context.root().with(caller), headers, Map::put);
                    return http.post(loopback.tokenUrl(), FORM, TOKEN_BODY, "traceparent", headers.get("traceparent"));
                } finally {
                    caller.end();
                }
            });
            assertTrue(herd.answers().stream().allMatch(a -> a.status() == 200), herd::toString);

            List<SpanData> requests = awaitSpans(s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.SERVER, HERD);
            List<SpanData> calls = awaitSpans(s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.CLIENT, 1);
            Supplier<String> message = () -> "spans:\n" + describe(SPANS.getFinishedSpanItems());
            assertEquals(HERD, requests.size(), message);
            assertEquals(1, calls.size(), message);
            assertEquals(1, upstream.callCount(), message);
            SpanData call = calls.get(0);
            SpanData leader = only(requests, s -> "MISS".equals(s.getAttributes().get(CACHE)), message);
            assertEquals(leader.getSpanId(), call.getParentSpanId(), message);
            List<SpanData> coalesced = requests.stream().filter(s -> "COALESCED".equals(s.getAttributes().get(CACHE)))
                    .toList();
            assertEquals(HERD - 1, coalesced.size(), message);
            for (SpanData waiter : coalesced) {
                assertTrue(waiter.getLinks().stream().anyMatch(l -> l.getSpanContext().equals(call.getSpanContext())),
                        () -> waiter.getName() + " has no link to the upstream span\n" + message.get());
                assertFalse(waiter.getTraceId().equals(call.getTraceId()), message);
            }
            assertEquals(HERD, requests.stream().map(SpanData::getTraceId).distinct().count(), message);
            assertNoSecretIn(SPANS.getFinishedSpanItems(), upstream);
        }
    }

    @Test
    void aCallerOnAnotherNodeThatWaitedOnTheLeaseLinksToTheRequestThatHeldIt() throws Exception {
        Path keys = ClusterKeyFiles.oneKey(Files.createTempDirectory("tracing-it").resolve("cluster.keys"));
        try (TerracottaServer terracotta = TerracottaServer.fromKit().start();
             FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer a = node(upstream, terracotta, keys);
             LoopbackServer b = node(upstream, terracotta, keys)) {
            awaitShared(a, b);
            // Node a's call is held until node b's request is inside b, waiting on a's lease.
            upstream.otherwise(Answer.holdUntil(Duration.ofMillis(200), () -> b.activeRequests() >= 1,
                    Duration.ofSeconds(10), Answer.ok()));
            SPANS.reset();

            CompletableFuture<Http.Answer> onA = CompletableFuture.supplyAsync(() -> http.post(a.tokenUrl(), FORM, TOKEN_BODY));
            long deadline = System.nanoTime() + SPAN_WAIT.toNanos();
            while (upstream.callCount() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Http.Answer onB = http.post(b.tokenUrl(), FORM, TOKEN_BODY);
            Http.Answer first = onA.get(30, TimeUnit.SECONDS);

            List<SpanData> requests = awaitSpans(s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.SERVER, 2);
            Supplier<String> message = () -> "A: " + first + "\nB: " + onB + "\nspans:\n"
                    + describe(SPANS.getFinishedSpanItems());
            assertEquals(1, upstream.callCount(), message);
            SpanData leader = only(requests, s -> "MISS".equals(s.getAttributes().get(CACHE)), message);
            SpanData waiter = only(requests, s -> "COALESCED".equals(s.getAttributes().get(CACHE)), message);
            assertEquals(List.of(leader.getSpanContext().getSpanId()), waiter.getLinks().stream()
                    .map(l -> l.getSpanContext().getSpanId()).toList(), message);
            assertNoSecretIn(SPANS.getFinishedSpanItems(), upstream);
        }
    }

    private static LoopbackServer node(FaultyUpstream upstream, TerracottaServer terracotta, Path keys) {
        return LoopbackServer.builder().upstream(upstream.tokenUrl()).testOpenTelemetry()
                .setting("cluster-uri", terracotta.uri("auth-loopback-tracing"))
                .setting("cluster-key-file", keys)
                .setting("cluster-pool-size", "8MiB")
                .setting("cluster-connection-timeout", "10s")
                .setting("cluster-read-timeout", "5s")
                .setting("cluster-write-timeout", "5s")
                .start();
    }

    /** Both nodes share the clustered tier (a node that could not connect yet retries on its own). */
    private void awaitShared(LoopbackServer... nodes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (LoopbackServer node : nodes) {
            while (!http.get(node.url("/admin/metrics")).body().contains("\nloopback_cluster_connected 1.0\n")) {
                assertTrue(System.nanoTime() < deadline, "node not sharing the cluster within 60 s");
                Thread.sleep(100);
            }
        }
    }

    /**
     * A HIT in the refresh window starts a refresh ahead: a trace of its own (the HIT's caller does not
     * wait for it), linked to the HIT's span, with the upstream call under it and the IdP given that
     * call's context. Time is a mutable clock, moved past the refresh point instead of slept on.
     */
    @Test
    void aRefreshAheadIsATraceOfItsOwnLinkedToTheHitThatStartedIt() throws Exception {
        dev.authloopback.testsupport.MutableClock clock = dev.authloopback.testsupport.MutableClock.startingNow();
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).clock(clock)
                     .setting("refresh-ahead", "0.5").testOpenTelemetry().start()) {
            upstream.otherwise(Answer.ok(600));
            String body = "grant_type=client_credentials&scope=refreshed&client_id=tracing-app";
            assertEquals(200, http.post(loopback.tokenUrl(), FORM, body).status());
            // The MISS's span ends just after its answer is written: gone before the HIT is sent.
            awaitSpans(s -> s.getKind() == SpanKind.SERVER && "MISS".equals(s.getAttributes().get(CACHE)), 1);
            // expires_in 600 s, skew 60 s: fresh for 540 s, refreshed ahead from 270..405 s on.
            clock.advance(Duration.ofSeconds(420));
            SPANS.reset();

            Http.Answer hit = http.post(loopback.tokenUrl(), FORM, body);
            assertEquals("HIT", hit.header("X-Loopback-Cache"), hit::toString);
            Supplier<String> message = () -> "spans:\n" + describe(SPANS.getFinishedSpanItems()) + "\nupstream "
                    + upstream.calls();
            SpanData request = only(awaitSpans(s -> s.getKind() == SpanKind.SERVER, 1), s -> true, message);
            SpanData refresh = only(awaitSpans(s -> s.getName().equals("loopback refresh-ahead"), 1), s -> true,
                    message);
            SpanData call = only(awaitSpans(s -> s.getParentSpanId().equals(refresh.getSpanId()), 1), s -> true,
                    message);
            assertEquals(SpanKind.CLIENT, call.getKind(), message);
            assertEquals("HIT", request.getAttributes().get(CACHE), message);
            assertFalse(refresh.getParentSpanContext().isValid(), message);
            assertFalse(refresh.getTraceId().equals(request.getTraceId()), message);
            assertEquals(List.of(request.getSpanContext()), refresh.getLinks().stream().map(l -> l.getSpanContext())
                    .toList(), message);
            assertEquals(refresh.getSpanId(), call.getParentSpanId(), message);
            assertEquals(refresh.getTraceId(), call.getTraceId(), message);
            assertEquals(2, upstream.callCount(), message);
            FaultyUpstream.Call seen = upstream.calls().get(1);
            assertTrue(seen.traceparent() != null && seen.traceparent().startsWith("00-" + call.getTraceId() + "-"
                    + call.getSpanId() + "-"), message);
            assertNoSecretIn(SPANS.getFinishedSpanItems(), upstream);
        }
    }

    @Test
    void anUnreachableUpstreamMarksFetchLoopbackAndUpstreamSpansAsErrorsWithTheProblemType() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             RecordingBackend backend = RecordingBackend.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl()).testOpenTelemetry().start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .filterParam("token-body", TOKEN_BODY).testOpenTelemetry().start()) {
            upstream.refuseConnections();

            Http.Answer refused = http.get(app.forwardUrl());
            List<SpanData> spans = awaitSpans(s -> true, 3);
            Supplier<String> message = () -> "answer: " + refused + "\nspans:\n" + describe(SPANS.getFinishedSpanItems());
            assertTrue(refused.status() >= 500, message);

            String type = "urn:authloopback:problem:upstream-unreachable";
            SpanData fetch = only(spans, s -> scope(s, FILTER_SCOPE), message);
            SpanData request = only(spans, s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.SERVER, message);
            SpanData call = only(spans, s -> scope(s, LOOPBACK_SCOPE) && s.getKind() == SpanKind.CLIENT, message);
            assertEquals(StatusCode.ERROR, fetch.getStatus().getStatusCode(), message);
            assertNotNull(fetch.getAttributes().get(AttributeKey.stringKey("error.type")), message);
            assertEquals(502L, fetch.getAttributes().get(AttributeKey.longKey("http.response.status_code")), message);
            assertEquals(StatusCode.ERROR, request.getStatus().getStatusCode(), message);
            assertEquals(type, request.getAttributes().get(PROBLEM_TYPE), message);
            assertEquals("FAILED", request.getAttributes().get(CACHE), message);
            assertEquals(StatusCode.ERROR, call.getStatus().getStatusCode(), message);
            assertEquals(type, call.getAttributes().get(PROBLEM_TYPE), message);
            assertEquals(request.getSpanId(), call.getParentSpanId(), message);
            assertNoSecretIn(SPANS.getFinishedSpanItems(), upstream);
        }
    }

    /**
     * Every name, attribute, event, link and status message of every span, searched for what must
     * never be there: tokens handed out, the client secret, the token request body and any
     * Authorization value.
     */
    private static void assertNoSecretIn(List<SpanData> spans, FaultyUpstream upstream) {
        List<String> secrets = new ArrayList<>(upstream.issuedTokens());
        secrets.add(SECRET);
        secrets.add(TOKEN_BODY);
        secrets.add("client_secret");
        secrets.add("Bearer ");
        secrets.add("Basic ");
        secrets.add("access_token");
        StringBuilder everything = new StringBuilder();
        for (SpanData span : spans) {
            everything.append(span.getName()).append('\n').append(span.getStatus().getDescription()).append('\n');
            span.getAttributes().forEach((k, v) -> everything.append(k.getKey()).append('=').append(v).append('\n'));
            span.getEvents().forEach(e -> {
                everything.append(e.getName()).append('\n');
                e.getAttributes().forEach((k, v) -> everything.append(k.getKey()).append('=').append(v).append('\n'));
            });
            span.getLinks().forEach(l -> l.getAttributes().forEach((k, v) -> everything.append(v).append('\n')));
            span.getResource().getAttributes().forEach((k, v) -> everything.append(v).append('\n'));
        }
        assertFalse(spans.isEmpty(), "no spans to search");
        for (String secret : secrets) {
            assertFalse(everything.indexOf(secret) >= 0, () -> "a span holds '" + mask(secret) + "':\n" + describe(spans));
        }
    }

    private static String mask(String secret) {
        return secret.length() <= 8 ? secret : secret.substring(0, 4) + "…";
    }

    /** Bounded wait: the loopback ends its span just after the answer is written. */
    private static List<SpanData> awaitSpans(Predicate<SpanData> which, int count) throws InterruptedException {
        long deadline = System.nanoTime() + SPAN_WAIT.toNanos();
        while (true) {
            List<SpanData> matching = SPANS.getFinishedSpanItems().stream().filter(which).toList();
            if (matching.size() >= count || System.nanoTime() > deadline) {
                return matching;
            }
            Thread.sleep(10);
        }
    }

    private static boolean scope(SpanData span, String name) {
        return name.equals(span.getInstrumentationScopeInfo().getName());
    }

    private static SpanData only(List<SpanData> spans, Predicate<SpanData> which, Supplier<String> message) {
        List<SpanData> matching = spans.stream().filter(which).toList();
        assertEquals(1, matching.size(), message);
        return matching.get(0);
    }

    private static String describe(List<SpanData> spans) {
        StringBuilder out = new StringBuilder();
        for (SpanData s : spans) {
            out.append("  ").append(s.getInstrumentationScopeInfo().getName()).append(' ').append(s.getKind())
                    .append(" '").append(s.getName()).append("' trace=").append(s.getTraceId())
                    .append(" span=").append(s.getSpanId()).append(" parent=").append(s.getParentSpanId())
                    .append(' ').append(s.getStatus()).append(' ').append(s.getAttributes())
                    .append(" links=").append(s.getLinks().size()).append('\n');
        }
        return out.toString();
    }
}
