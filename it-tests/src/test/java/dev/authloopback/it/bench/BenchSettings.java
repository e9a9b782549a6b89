package dev.authloopback.it.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's parameters, read once from system properties (the {@code bench} Maven profile
 * passes them on; override any with {@code -Dbench.<name>=...} on the Maven command line). Every
 * problem is collected into one error naming the property, the value and the rule.
 *
 * @param threads          client thread counts; every scenario is measured once per count (1: latency of a
 *                         lone request, no queueing; more: the machine under load, where ratios show CPU cost)
 * @param warmup           requests per scenario before measuring (JIT, pools, connections), split over the threads
 * @param requests         measured requests per scenario
 * @param upstreamWarmup   warm-up of the scenarios that call the OAuth2 server on every request
 * @param upstreamRequests measured requests of those scenarios (they are one to two orders slower)
 * @param steady           length of the steady phase between the two memory/thread snapshots
 * @param output           where the JSON report goes
 */
record BenchSettings(List<Integer> threads, int warmup, int requests, int upstreamWarmup, int upstreamRequests,
                     Duration steady, Path output) {

    static final String THREADS = "bench.threads";
    static final String WARMUP = "bench.warmup";
    static final String REQUESTS = "bench.requests";
    static final String UPSTREAM_WARMUP = "bench.upstreamWarmup";
    static final String UPSTREAM_REQUESTS = "bench.upstreamRequests";
    static final String STEADY_SECONDS = "bench.steadySeconds";
    static final String OUTPUT = "bench.output";

    static BenchSettings fromSystemProperties() {
        List<String> problems = new ArrayList<>();
        List<Integer> threads = threadCounts(problems);
        int warmup = atLeast(WARMUP, 2000, 0, problems);
        int requests = positive(REQUESTS, 5000, problems);
        int upstreamWarmup = atLeast(UPSTREAM_WARMUP, 50, 0, problems);
        int upstreamRequests = positive(UPSTREAM_REQUESTS, 300, problems);
        int steadySeconds = positive(STEADY_SECONDS, 30, problems);
        String output = System.getProperty(OUTPUT, "target/benchmark.json").trim();
        if (output.isEmpty()) {
            problems.add(OUTPUT + ": must not be blank");
        }
        int most = threads.stream().mapToInt(Integer::intValue).max().orElse(1);
        if (requests < most || upstreamRequests < most) {
            problems.add(REQUESTS + "/" + UPSTREAM_REQUESTS + ": must be >= the largest of " + THREADS + " (" + most
                    + "), so every client thread sends at least one measured request");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid benchmark settings:\n  " + String.join("\n  ", problems));
        }
        return new BenchSettings(threads, warmup, requests, upstreamWarmup, upstreamRequests,
                Duration.ofSeconds(steadySeconds), Path.of(output));
    }

    /** The most client threads: the load of the steady phase. */
    int maxThreads() {
        return threads.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /** The settings as they go into the JSON report. */
    Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(THREADS, threads);
        map.put(WARMUP, warmup);
        map.put(REQUESTS, requests);
        map.put(UPSTREAM_WARMUP, upstreamWarmup);
        map.put(UPSTREAM_REQUESTS, upstreamRequests);
        map.put(STEADY_SECONDS, steady.toSeconds());
        map.put(OUTPUT, output.toString());
        return map;
    }

    private static List<Integer> threadCounts(List<String> problems) {
        String value = System.getProperty(THREADS, "1,4");
        List<Integer> counts = new ArrayList<>();
        for (String part : value.split(",")) {
            try {
                int count = Integer.parseInt(part.trim());
                if (count < 1 || count > 512) {
                    throw new NumberFormatException();
                }
                if (!counts.contains(count)) {
                    counts.add(count);
                }
            } catch (NumberFormatException e) {
                problems.add(THREADS + ": '" + value + "' must be a comma-separated list of thread counts, 1 to 512");
                return List.of(1);
            }
        }
        return List.copyOf(counts);
    }

    private static int positive(String name, int fallback, List<String> problems) {
        return atLeast(name, fallback, 1, problems);
    }

    private static int atLeast(String name, int fallback, int min, List<String> problems) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < min) {
                problems.add(name + ": '" + value + "' must be >= " + min);
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(name + ": '" + value + "' is not a whole number");
            return fallback;
        }
    }
}
