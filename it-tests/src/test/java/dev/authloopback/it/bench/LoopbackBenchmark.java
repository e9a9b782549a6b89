package dev.authloopback.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.it.support.BusinessApp;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.OAuth2Upstream;
import dev.authloopback.it.support.RecordingBackend;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark DESIGN.md's non-functional bars ask for: speed and memory of the real
 * {@code loopback.war} and {@code BearerTokenFilter}, reported as ratios against baselines
 * measured in the same run on the same machine, never as absolute numbers asserted by a test.
 *
 * <p>Every server runs embedded in this JVM on 127.0.0.1 (the harness of the ITs); one keep-alive
 * JDK {@link HttpClient} drives them from K client threads, for each K of {@code bench.threads}
 * (default 1 and 4). Rows, in run order, each with its own warm-up:
 * <ol>
 *   <li>{@code A}: baseline, a bare Jetty 12 servlet answering the same POST with a fixed JSON of
 *       the token answer's size;</li>
 *   <li>{@code HIT}: the same POST to loopback.war after one warming MISS; ratios vs A;</li>
 *   <li>{@code MISS}: the same POST straight to the OAuth2 server's token endpoint, what every
 *       business request paid before (each one a new signed JWT); ratios vs A, for reference. Over a
 *       keep-alive connection mock-oauth2-server's MockWebServer answers in about 45 ms, most of it a
 *       TCP delayed-ACK stall (it writes head and body in separate packets, without TCP_NODELAY);
 *       a fresh curl connection gets the same answer in about 7 ms. Read MISS and F-IDP as "a token
 *       endpoint some 45 ms away", not as the mock's own cost;</li>
 *   <li>{@code B}: baseline, a business request through sample-app.war without a token step: the
 *       sample's own forwarding servlet, mapped by an override descriptor at a path the filter
 *       does not cover, in the same web app, to the same backend;</li>
 *   <li>{@code F-HIT}: the business request with the filter, token from the loopback (HIT); vs B;</li>
 *   <li>{@code F-IDP}: the same with the filter's {@code token-url} pointed straight at the OAuth2
 *       server ("before"); vs B.</li>
 * </ol>
 * Ratios are taken against the baseline row with the same K. Then a steady phase of F-HIT traffic
 * from the largest K for {@code bench.steadySeconds}, between two snapshots of
 * heap used after full GC, threads and the loopback's open connections.
 *
 * <p>Output: a table on stdout and {@code bench.output} (JSON). Exit status 1 when any request
 * failed its check (wrong status, wrong cache state, missing Bearer header, exception), so the run
 * is a correctness check under load too; the speed numbers are reported, never asserted.
 *
 * <p>Run: {@code mvn -B install -DskipTests && mvn -B -pl it-tests -Pbench verify}.
 */
public final class LoopbackBenchmark {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CACHE_HEADER = "X-Loopback-Cache";
    private static final String UNFILTERED_FORWARD = "/plain/forward";
    private static final String BACKEND_SAW_BEARER = "{\"authorization\":\"Bearer\"}";
    private static final String BACKEND_SAW_NO_TOKEN = "{\"authorization\":null}";

    private final BenchSettings settings;
    private final BenchmarkReport report;
    /** For the one-off calls (warming MISS, stats); the load goes through a {@link LoadDriver} per scenario. */
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private LoopbackBenchmark(BenchSettings settings) {
        this.settings = settings;
        this.report = new BenchmarkReport(settings);
    }

    /** Exit status: 0 all requests answered correctly, 1 some did not, 2 the benchmark itself failed. */
    public static void main(String[] args) {
        // What an operator passes with -D; sample-app's web.xml resolves them in its token-body.
        System.setProperty("sample.client-id", System.getProperty("sample.client-id", "sample-app"));
        System.setProperty("sample.client-secret", System.getProperty("sample.client-secret", "bench-secret"));
        int status;
        try (RequestLogSink requestLog = RequestLogSink.install()) {
            status = new LoopbackBenchmark(BenchSettings.fromSystemProperties()).run(requestLog) == 0 ? 0 : 1;
        } catch (Exception e) {
            e.printStackTrace();
            status = 2;
        }
        // Non-daemon threads of the embedded servers' libraries may linger; the result is decided.
        System.exit(status);
    }

    private long run(RequestLogSink requestLog) throws Exception {
        System.out.printf(Locale.ROOT, "Loopback benchmark: %d cores, Java %s, %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), settings.asMap());
        String tokenBody = "grant_type=client_credentials&client_id=" + form(System.getProperty("sample.client-id"))
                + "&client_secret=" + form(System.getProperty("sample.client-secret")) + "&scope=backend";
        try (OAuth2Upstream oauth2 = new OAuth2Upstream();
             RecordingBackend backend = RecordingBackend.startCounting();
             LoopbackServer loopback = LoopbackServer.builder().upstream(oauth2.tokenUrl())
                     .recordExchanges(false).start();
             BusinessApp after = BusinessApp.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .servlet("forward-without-token-step", "dev.authloopback.sample.BackendForwardServlet",
                             UNFILTERED_FORWARD)
                     .start();
             BusinessApp before = BusinessApp.builder().tokenUrl(oauth2.tokenUrl()).backendUrl(backend.url()).start()) {

            HttpRequest loopbackPost = post(loopback.tokenUrl(), tokenBody);
            int tokenBytes = warmingMiss(loopbackPost);
            report.fact("tokenAnswerBytes", tokenBytes);

            try (BareJettyBaseline bare = BareJettyBaseline.start(tokenBytes)) {
                for (int threads : settings.threads()) {
                    Scenarios scenarios = new Scenarios(threads, oauth2);
                    scenarios.measure("A", "bare Jetty 12 servlet, fixed " + tokenBytes + " B JSON", null,
                            post(bare.url(), tokenBody), ok(answer -> answer.body().length() == tokenBytes ? null
                                    : "body of " + answer.body().length() + " chars, expected " + tokenBytes),
                            settings.warmup(), settings.requests());
                    scenarios.measure("HIT", "loopback.war token POST, cache HIT", "A", loopbackPost,
                            ok(answer -> "HIT".equals(answer.headers().firstValue(CACHE_HEADER).orElse(null)) ? null
                                    : CACHE_HEADER + ": " + answer.headers().firstValue(CACHE_HEADER).orElse("(none)")),
                            settings.warmup(), settings.requests());
                    scenarios.measure("MISS", "OAuth2 server token endpoint direct (the miss path)", "A",
                            post(oauth2.tokenUrl(), tokenBody),
                            ok(answer -> answer.body().contains("\"access_token\"") ? null : "no access_token in the answer"),
                            settings.upstreamWarmup(), settings.upstreamRequests());
                    scenarios.measure("B", "business request, no token step (same app, unfiltered path)", null,
                            get(after.url(UNFILTERED_FORWARD)), backendSaw(BACKEND_SAW_NO_TOKEN),
                            settings.warmup(), settings.requests());
                    scenarios.measure("F-HIT", "business request + BearerTokenFilter -> loopback (HIT)", "B",
                            get(after.forwardUrl()), backendSaw(BACKEND_SAW_BEARER), settings.warmup(), settings.requests());
                    scenarios.measure("F-IDP", "business request + BearerTokenFilter -> OAuth2 direct", "B",
                            get(before.forwardUrl()), backendSaw(BACKEND_SAW_BEARER),
                            settings.upstreamWarmup(), settings.upstreamRequests());
                }
            }
            steadyPhase(after, loopback, oauth2);
            report.loopbackStats(loopbackStats(loopback));
            report.fact("loopbackRequestLogLines", requestLog.lines());
            report.fact("backendRequests", backend.requests());
            report.fact("backendRequestsWithBearer", backend.bearerRequests());
        }
        System.out.println();
        System.out.print(report.table());
        report.writeJson(settings.output());
        System.out.println("JSON: " + settings.output().toAbsolutePath());
        return report.totalErrors();
    }

    /** The one MISS that fills the cache; its answer size sizes baseline A's body. */
    private int warmingMiss(HttpRequest loopbackPost) throws IOException, InterruptedException {
        HttpResponse<String> miss = client.send(loopbackPost, HttpResponse.BodyHandlers.ofString());
        String cache = miss.headers().firstValue(CACHE_HEADER).orElse("(none)");
        if (miss.statusCode() != 200 || !"MISS".equals(cache)) {
            throw new IllegalStateException("warming request: expected 200 MISS, got " + miss.statusCode() + " "
                    + CACHE_HEADER + ": " + cache + " " + miss.body());
        }
        return miss.body().getBytes(StandardCharsets.UTF_8).length;
    }

    /** The scenarios of one client thread count. */
    private final class Scenarios {
        private final int threads;
        private final OAuth2Upstream oauth2;

        Scenarios(int threads, OAuth2Upstream oauth2) {
            this.threads = threads;
            this.oauth2 = oauth2;
        }

        void measure(String id, String title, String baselineId, HttpRequest request, LoadDriver.Check check,
                     int warmup, int requests) throws InterruptedException {
            System.out.printf(Locale.ROOT, "%-5s K=%d %s: %d warm-up + %d measured requests ...%n",
                    id, threads, title, warmup, requests);
            int upstreamBefore = oauth2.tokenRequests();
            LoadDriver.Outcome outcome;
            try (LoadDriver driver = new LoadDriver(threads)) {
                outcome = driver.run(request, check, warmup, requests);
            }
            ScenarioResult row = new ScenarioResult(id, threads, title, baselineId, outcome,
                    oauth2.tokenRequests() - upstreamBefore);
            report.add(row);
            System.out.printf(Locale.ROOT, "      %.1f req/s, p50 %.3f ms, p99 %.3f ms, %d errors%s%n",
                    outcome.throughput(), row.p50(), row.p99(), row.failures(),
                    outcome.errorSamples().isEmpty() ? "" : " " + outcome.errorSamples());
        }
    }

    private void steadyPhase(BusinessApp after, LoopbackServer loopback, OAuth2Upstream oauth2) throws InterruptedException {
        String title = "F-HIT load, K=" + settings.maxThreads();
        HttpRequest request = get(after.forwardUrl());
        try (LoadDriver driver = new LoadDriver(settings.maxThreads())) {
            // The pools carried this load in F-HIT; a settling run (the phase's warm-up) brings them back after F-IDP.
            LoadDriver.Outcome settle = driver.run(request, backendSaw(BACKEND_SAW_BEARER), 0,
                    Math.max(settings.maxThreads(), settings.warmup()));
            MemoryProbe.Snapshot before = MemoryProbe.take(loopback::openConnections);
            System.out.printf(Locale.ROOT, "steady phase: %s for %d s (heap after GC %.2f MiB, %d threads) ...%n",
                    title, settings.steady().toSeconds(), MemoryProbe.mib(before.heapUsedBytes()), before.liveThreads());
            int upstreamBefore = oauth2.tokenRequests();
            LoadDriver.Outcome load;
            try (MemoryProbe.PeakSampler peaks = MemoryProbe.PeakSampler.start(loopback::openConnections)) {
                load = driver.runFor(request, backendSaw(BACKEND_SAW_BEARER), 0, settings.steady());
                report.fact("steadyPeakLoopbackConnections", peaks.connections());
                report.fact("steadyPeakLoopbackThreads", peaks.loopbackThreads());
            }
            long upstreamCalls = oauth2.tokenRequests() - upstreamBefore;
            MemoryProbe.Snapshot afterSnapshot = MemoryProbe.take(loopback::openConnections);
            LoadDriver.Outcome outcome = new LoadDriver.Outcome(settle.requests(), settle.errors(), load.requests(),
                    load.errors(), concat(settle.errorSamples(), load.errorSamples()), load.wall(), load.latencies());
            report.steady(new BenchmarkReport.Steady(title, outcome, before, afterSnapshot, upstreamCalls));
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private JsonNode loopbackStats(LoopbackServer loopback) throws IOException, InterruptedException {
        HttpResponse<String> stats = client.send(HttpRequest.newBuilder(loopback.url("/admin/stats")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(stats.body());
    }

    /** A 200 answer that also passes {@code then}. */
    private static LoadDriver.Check ok(LoadDriver.Check then) {
        return answer -> answer.statusCode() != 200 ? "HTTP " + answer.statusCode() + " " + answer.body()
                : then.problem(answer);
    }

    private static LoadDriver.Check backendSaw(String expectedBody) {
        return answer -> answer.statusCode() == 200 && expectedBody.equals(answer.body()) ? null
                : "HTTP " + answer.statusCode() + " " + answer.body();
    }

    /** The token request exactly as the BearerTokenFilter sends it (same headers, so the same cache key). */
    private static HttpRequest post(URI uri, String formBody) {
        return HttpRequest.newBuilder(uri).header("Accept", "application/json").header("Content-Type", FORM)
                .POST(HttpRequest.BodyPublishers.ofString(formBody)).build();
    }

    private static HttpRequest get(URI uri) {
        return HttpRequest.newBuilder(uri).GET().build();
    }

    private static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
