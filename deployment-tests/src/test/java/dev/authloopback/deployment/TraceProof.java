package dev.authloopback.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.deployment.OtlpReceiver.ReceivedSpan;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Issue 24 on a standalone server with the real OpenTelemetry Java agent: what the test's OTLP
 * receiver got, checked as docs/tracing.md describes it.
 */
final class TraceProof {
    static final String LOOPBACK_SCOPE = "dev.authloopback.loopback";
    static final String FILTER_SCOPE = "dev.authloopback.filter";
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final String server;
    private final OtlpReceiver receiver;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TraceProof(String server, OtlpReceiver receiver) {
        this.server = server;
        this.receiver = receiver;
    }

    /**
     * The first business request (cold key): business server span → filter fetch (CLIENT) → the
     * agent's loopback server span with loopback.cache=MISS → the loopback's upstream span → the
     * agent's HTTP client span of the call to the token endpoint, all in one trace.
     */
    void coldBusinessRequestIsOneTrace() throws InterruptedException {
        ReceivedSpan miss = first(s -> "MISS".equals(s.attribute("loopback.cache")));
        List<ReceivedSpan> trace = await(s -> s.traceId().equals(miss.traceId()), 5);
        Supplier<String> message = () -> server + ": the cold request's trace\n" + describe(trace) + "\nall:\n"
                + describe(receiver.spans());
        ReceivedSpan fetch = parentOf(miss, trace, message);
        assertEquals(FILTER_SCOPE, fetch.scope(), message);
        assertEquals("CLIENT", fetch.kind(), message);
        ReceivedSpan business = parentOf(fetch, trace, message);
        assertEquals("SERVER", business.kind(), message);
        assertEquals("SERVER", miss.kind(), message);
        assertTrue(miss.attribute("loopback.key_id").matches("[0-9a-f]{12}"), message);
        ReceivedSpan upstream = only(trace, s -> LOOPBACK_SCOPE.equals(s.scope()) && s.parentSpanId().equals(miss.spanId()),
                message);
        assertEquals("INTERNAL", upstream.kind(), message); // the agent makes the HTTP client span under it
        assertEquals("STORE", upstream.attribute("loopback.action"), message);
        only(trace, s -> "CLIENT".equals(s.kind()) && s.parentSpanId().equals(upstream.spanId()), message);
    }

    /** A business request answered by the loopback from its cache: the loopback span says HIT, no upstream under it. */
    void hitHasNoUpstreamSpan() throws InterruptedException {
        ReceivedSpan hit = first(s -> "HIT".equals(s.attribute("loopback.cache")));
        List<ReceivedSpan> trace = await(s -> s.traceId().equals(hit.traceId()), 1);
        Supplier<String> message = () -> server + ": a HIT's trace\n" + describe(trace);
        assertTrue(trace.stream().noneMatch(s -> s.parentSpanId().equals(hit.spanId())), message);
    }

    /**
     * Concurrent cold callers of one new key: one loopback span each, carrying the cache outcome the
     * caller was answered with (a caller that arrives after the token was stored is a HIT); one MISS
     * span per upstream call, each with one upstream span under it; every COALESCED span links to one
     * of those upstream spans, and no HIT has anything under it.
     */
    void concurrentCallersLinkToTheFetchTheyShared(URI loopbackUrl, OAuth2Upstream oauth2, int callers) throws Exception {
        java.util.function.Predicate<ReceivedSpan> onThisProfile = s -> "SERVER".equals(s.kind())
                && loopbackUrl.getPath().equals(s.attribute("url.path")) && s.attribute("loopback.key_id") != null;
        // The herd's scope is used nowhere else, so its key is the one no earlier span carries. The
        // agent exports every 100 ms; earlier steps' spans have long arrived.
        java.util.Set<String> earlierKeys = receiver.spans().stream().filter(onThisProfile)
                .map(s -> s.attribute("loopback.key_id")).collect(java.util.stream.Collectors.toSet());
        int before = oauth2.tokenRequests();
        String body = "grant_type=client_credentials&scope=traced-herd&client_id=" + ServerProof.CLIENT_ID
                + "&client_secret=" + ServerProof.CLIENT_SECRET;
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(loopbackUrl).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<String> outcomes = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            assertEquals(200, answer.get().statusCode(), () -> server + ": herd answer " + answer.join().body());
            outcomes.add(answer.get().headers().firstValue("X-Loopback-Cache").orElse("none"));
        }
        int calls = oauth2.tokenRequests() - before;
        List<ReceivedSpan> herd = receiver.await(onThisProfile.and(s -> !earlierKeys.contains(s.attribute("loopback.key_id"))),
                callers, WAIT);
        Supplier<String> message = () -> server + ": " + callers + " cold callers answered " + outcomes + ", " + calls
                + " upstream call(s)\n" + describe(herd) + "\nall:\n" + describe(receiver.spans());
        assertEquals(callers, herd.size(), message);
        assertEquals(1, herd.stream().map(s -> s.attribute("loopback.key_id")).distinct().count(), message);
        assertEquals(outcomes.stream().sorted().toList(),
                herd.stream().map(s -> s.attribute("loopback.cache")).sorted().toList(), message);
        List<ReceivedSpan> leaders = herd.stream().filter(s -> "MISS".equals(s.attribute("loopback.cache"))).toList();
        assertEquals(calls, leaders.size(), message);
        List<ReceivedSpan> fetches = new ArrayList<>();
        for (ReceivedSpan leader : leaders) {
            List<ReceivedSpan> under = await(s -> LOOPBACK_SCOPE.equals(s.scope())
                    && s.parentSpanId().equals(leader.spanId()), 1);
            fetches.add(only(under, s -> true, message));
        }
        List<String> fetchIds = fetches.stream().map(ReceivedSpan::spanId).toList();
        for (ReceivedSpan answered : herd) {
            if ("COALESCED".equals(answered.attribute("loopback.cache"))) {
                assertEquals(1, answered.linkedSpanIds().stream().filter(fetchIds::contains).count(),
                        () -> answered + " does not link to the fetch it shared\n" + message.get());
            } else if ("HIT".equals(answered.attribute("loopback.cache"))) {
                assertTrue(receiver.spans().stream().noneMatch(s -> s.parentSpanId().equals(answered.spanId())),
                        () -> answered + " is a HIT with a span under it\n" + message.get());
            }
        }
        System.out.printf("%s traces: %d cold callers %s, %d upstream call(s), %d links%n", server, callers, outcomes,
                calls, herd.stream().mapToLong(s -> s.linkedSpanIds().size()).sum());
    }

    /** Asks the loopback for a token of a new key while its upstream refuses connections, then checks the span. */
    void upstreamFailureIsAnErrorWithTheProblemType(URI loopbackUrl) throws Exception {
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(loopbackUrl).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=traced-failure&client_id="
                        + ServerProof.CLIENT_ID + "&client_secret=" + ServerProof.CLIENT_SECRET)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(502, refused.statusCode(), () -> server + ": " + refused.body());
        upstreamFailureIsAnErrorWithTheProblemType();
    }

    /** An upstream that refuses connections: the loopback's span is an error carrying the problem type. */
    void upstreamFailureIsAnErrorWithTheProblemType() throws InterruptedException {
        ReceivedSpan failed = first(s -> s.attribute("loopback.problem.type") != null && "SERVER".equals(s.kind()));
        Supplier<String> message = () -> server + ": failed request\n" + failed + "\nall:\n" + describe(receiver.spans());
        assertTrue(failed.error(), message);
        assertEquals("urn:authloopback:problem:upstream-unreachable", failed.attribute("loopback.problem.type"), message);
        assertEquals("FAILED", failed.attribute("loopback.cache"), message);
    }

    /** No span attribute, event, name or status anywhere holds a token, the client secret or a token body. */
    void noSecretInAnySpan(RecordingBackend backend) {
        List<String> secrets = new ArrayList<>(List.of(ServerProof.CLIENT_SECRET, "client_secret", "Bearer ", "Basic ",
                "access_token"));
        backend.seen().forEach(seen -> {
            String authorization = seen.authorization();
            if (authorization != null && authorization.startsWith("Bearer ")) {
                secrets.add(authorization.substring("Bearer ".length()));
            }
        });
        String everything = describe(receiver.spans()) + receiver.spans().stream()
                .map(s -> s.name() + s.statusMessage() + s.eventNames()).toList();
        assertFalse(receiver.spans().isEmpty(), server + ": no span received");
        for (String secret : secrets) {
            assertFalse(everything.contains(secret), () -> server + ": a span holds '" + secret.substring(0, Math.min(4,
                    secret.length())) + "…'");
        }
    }

    private ReceivedSpan first(java.util.function.Predicate<ReceivedSpan> which) throws InterruptedException {
        List<ReceivedSpan> found = receiver.await(which, 1, WAIT);
        assertFalse(found.isEmpty(), () -> server + ": no such span received within " + WAIT + "\n" + describe(receiver.spans()));
        return found.get(0);
    }

    private List<ReceivedSpan> await(java.util.function.Predicate<ReceivedSpan> which, int count) throws InterruptedException {
        return receiver.await(which, count, WAIT);
    }

    private static ReceivedSpan parentOf(ReceivedSpan child, List<ReceivedSpan> trace, Supplier<String> message) {
        return only(trace, s -> s.spanId().equals(child.parentSpanId()), message);
    }

    private static ReceivedSpan only(List<ReceivedSpan> spans, java.util.function.Predicate<ReceivedSpan> which,
                                     Supplier<String> message) {
        List<ReceivedSpan> matching = spans.stream().filter(which).toList();
        assertEquals(1, matching.size(), message);
        return matching.get(0);
    }

    static String describe(List<ReceivedSpan> spans) {
        StringBuilder out = new StringBuilder();
        spans.forEach(s -> out.append("  ").append(s).append('\n'));
        return out.toString();
    }
}
