package dev.authloopback.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the counters a row is checked with, from the server under test (and the token endpoint in
 * this JVM), into a flat map of names to values:
 * <ul>
 *   <li>{@code loopback.<profile>.<HIT|MISS|COALESCED|STALE|BYPASS>} and {@code loopback.<profile>.entries}:
 *       the loopback's {@code GET /loopback/admin/stats} ({@code loopback_answers}, {@code loopback_entries});</li>
 *   <li>{@code floor.answered}: {@link FloorServlet};</li>
 *   <li>{@code <context>.<echo|echo-plain>.<withBearer|withoutBearer>}: the sample's BearerEchoServlet counts;</li>
 *   <li>{@code upstream.<ROUTE>}: calls the token endpoint received.</li>
 * </ul>
 * Reading the filtered echo's counts is itself a request through the filter (one loopback HIT, or
 * one token call for {@code sample-before}); {@link #read} therefore reads the echo counts before
 * the loopback's and the endpoint's, so such a read lands in a row's window at most once, at its end.
 */
final class ServerCounters {

    /** What a row needs read; reading only that keeps the reads' own traffic out of other counters. */
    sealed interface Source permits Loopback, Floor, Echo, Upstream {
    }

    record Loopback() implements Source {
    }

    record Floor() implements Source {
    }

    /** {@code filtered}: the {@code echo} servlet at /api/echo (behind the filter); else {@code echo-plain}. */
    record Echo(BenchBase.BusinessContext context, boolean filtered) implements Source {
        String prefix() {
            return context.name + (filtered ? ".echo." : ".echo-plain.");
        }
    }

    record Upstream() implements Source {
    }

    static final String[] CACHE_STATUSES = {"HIT", "MISS", "COALESCED", "STALE", "BYPASS"};

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longer than the sample filter's read timeout, so a starved server answers (503) before this gives up. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

    private final BenchBase base;
    private final BenchTokenEndpoint tokens;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    ServerCounters(BenchBase base, BenchTokenEndpoint tokens) {
        this.base = base;
        this.tokens = tokens;
    }

    /** The counters of {@code sources}: echo counts first, then floor, loopback, token endpoint. */
    Map<String, Long> read(List<Source> sources) throws IOException, InterruptedException {
        Map<String, Long> values = new LinkedHashMap<>();
        for (Source source : sources) {
            if (source instanceof Echo echo) {
                URI url = base.businessUrl(echo.context(), (echo.filtered() ? BenchBase.FILTERED_ECHO : BenchBase.PLAIN_ECHO)
                        + BenchBase.COUNTS);
                JsonNode counts = getJson(url, echo.context() == BenchBase.BusinessContext.SAMPLE_OBO && echo.filtered()
                        ? "Bearer " + base.userToken() : null);
                values.put(echo.prefix() + "withBearer", counts.path("withBearer").asLong(-1));
                values.put(echo.prefix() + "withoutBearer", counts.path("withoutBearer").asLong(-1));
            }
        }
        if (sources.contains(new Floor())) {
            values.put("floor.answered", getJson(base.floorUrl()).path("answered").asLong(-1));
        }
        if (sources.contains(new Loopback())) {
            values.putAll(loopback());
        }
        if (sources.contains(new Upstream())) {
            for (BenchTokenEndpoint.Route route : BenchTokenEndpoint.Route.values()) {
                values.put("upstream." + route.name(), tokens.calls(route));
            }
        }
        return values;
    }

    /** Counts by profile and cache status, and entries by profile; absent series read as 0. */
    Map<String, Long> loopback() throws IOException, InterruptedException {
        JsonNode stats = getJson(base.loopbackStatsUrl());
        Map<String, Long> values = new LinkedHashMap<>();
        for (String profile : List.of("default", BenchBase.FILL_PROFILE, BenchBase.HERD_PROFILE,
                BenchBase.NEAR_PROFILE, BenchBase.OBO_PROFILE, BenchBase.DPOP_PROFILE)) {
            for (String status : CACHE_STATUSES) {
                values.put("loopback." + profile + "." + status, 0L);
            }
            values.put("loopback." + profile + ".entries", 0L);
        }
        for (Map.Entry<String, JsonNode> metric : stats.properties()) {
            boolean answers = metric.getKey().startsWith("loopback_answers");
            boolean entries = metric.getKey().startsWith("loopback_entries");
            if (!answers && !entries) {
                continue;
            }
            for (Map.Entry<String, JsonNode> point : metric.getValue().properties()) {
                Map<String, String> labels = labels(point.getKey());
                String name = "loopback." + labels.get("profile") + "." + (answers ? labels.get("cache") : "entries");
                values.put(name, point.getValue().asLong());
            }
        }
        return values;
    }

    /** {@code profile=default,cache=HIT} → {profile=default, cache=HIT}. */
    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                labels.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return labels;
    }

    private JsonNode getJson(URI url) throws IOException, InterruptedException {
        return getJson(url, null);
    }

    /** @param authorization sent as {@code Authorization}: the obo app's filter lets no request through without a user */
    private JsonNode getJson(URI url, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(READ_TIMEOUT).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IOException("GET " + url + ": HTTP " + answer.statusCode() + " " + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    /** {@code after − before} for every name in {@code after}. */
    static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new LinkedHashMap<>();
        after.forEach((name, value) -> delta.put(name, value - before.getOrDefault(name, 0L)));
        return delta;
    }
}
