package dev.authloopback.it.bench;

import dev.authloopback.it.support.Herd;
import dev.authloopback.testsupport.http.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The herd: {@code bench.herdSize} real threads released at once, each POSTing the same token
 * request for a key nobody asked for yet to the loopback's {@code herd} profile, whose token
 * endpoint holds each call for {@code bench.herdDelayMs} so the herd arrives while the first call is
 * in flight. Single flight means exactly one upstream call; every answer is 200 and carries the one
 * token that call returned. How each answer was produced ({@code X-Loopback-Cache}) is reported.
 */
final class HerdRun {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");

    record Result(int size, long upstreamCalls, Map<String, Integer> statuses, Map<String, Integer> cache,
                  int distinctTokens, double seconds, List<String> problems) {

        boolean flagged() {
            return !problems.isEmpty();
        }

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("requests", size);
            map.put("upstreamCalls", upstreamCalls);
            map.put("httpStatuses", statuses);
            map.put("xLoopbackCache", cache);
            map.put("distinctTokens", distinctTokens);
            map.put("seconds", Report.round(seconds));
            map.put("flagged", flagged());
            map.put("problems", problems);
            return map;
        }
    }

    private HerdRun() {
    }

    static Result run(BenchSettings settings, BenchBase base, BenchTokenEndpoint tokens) throws InterruptedException {
        Http http = new Http();
        // A key no earlier request used: cold for the herd.
        String body = "grant_type=client_credentials&client_id=" + BenchBase.CLIENT_ID + "&client_secret="
                + BenchBase.CLIENT_SECRET + "&scope=herd-" + System.nanoTime();
        long callsBefore = tokens.calls(BenchTokenEndpoint.Route.HERD);
        Herd.Outcome outcome;
        try {
            outcome = Herd.run(settings.herdSize(), settings.herdDelay().plus(Duration.ofSeconds(60)),
                    i -> http.post(base.loopbackUrl(BenchBase.HERD_PROFILE), "application/x-www-form-urlencoded", body,
                            "Accept", "application/json"));
        } catch (AssertionError | RuntimeException failed) {
            // the harness's Herd reports a failed or unfinished request as an AssertionError
            return new Result(settings.herdSize(), tokens.calls(BenchTokenEndpoint.Route.HERD) - callsBefore, Map.of(),
                    Map.of(), 0, 0, List.of("herd failed: " + failed.getMessage()));
        }
        long calls = tokens.calls(BenchTokenEndpoint.Route.HERD) - callsBefore;

        Map<String, Integer> statuses = new TreeMap<>();
        Map<String, Integer> cache = new TreeMap<>();
        List<String> tokensSeen = new ArrayList<>();
        for (Http.Answer answer : outcome.answers()) {
            statuses.merge(String.valueOf(answer.status()), 1, Integer::sum);
            cache.merge(String.valueOf(answer.header("X-Loopback-Cache")), 1, Integer::sum);
            Matcher token = ACCESS_TOKEN.matcher(answer.body());
            if (token.find() && !tokensSeen.contains(token.group(1))) {
                tokensSeen.add(token.group(1));
            }
        }
        List<String> problems = new ArrayList<>();
        if (calls != 1) {
            problems.add(settings.herdSize() + " concurrent cold requests for one key made " + calls
                    + " upstream calls, expected exactly 1");
        }
        if (statuses.getOrDefault("200", 0) != settings.herdSize()) {
            problems.add("not every answer was 200: " + statuses);
        }
        if (tokensSeen.size() != 1) {
            problems.add("answers carried " + tokensSeen.size() + " different tokens, expected the one token of the one call");
        }
        return new Result(settings.herdSize(), calls, statuses, cache, tokensSeen.size(),
                outcome.wallTime().toNanos() / 1e9, List.copyOf(problems));
    }
}
