package dev.authloopback.it.bench;

import dev.authloopback.testsupport.http.Http;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heap per cached entry: the loopback's {@code fill} profile (its {@code max-entries} raised above
 * the largest fill) is filled over HTTP with distinct token requests, each one a MISS that stores
 * a new JWT-sized token answer from the fast token endpoint, up to each of {@code bench.heapEntries}
 * distinct keys. Heap is the live heap after a full GC in the server JVM (jcmd). The first tenth of
 * the first fill (at most 1,000 keys) is a warm fill: it loads and warms everything the fill path
 * uses (classes, pools, connections), then the baseline is taken; bytes per entry at N keys is
 * (heap at N − baseline) / (N − warm keys). Checked: every fill request answered 200 MISS, the
 * profile holds exactly N entries, the token endpoint saw exactly N calls. Afterwards the profile is
 * emptied with the admin evict-all, so the other measurements run on a small cache.
 */
final class HeapRun {

    /** At most the JDK's keep-alive cache per destination ({@code http.maxConnections}, default 5). */
    private static final int FILL_THREADS = 5;
    private static final int MAX_SAMPLES = 5;

    record Point(int entries, long heapAfterGcBytes, double bytesPerEntry, long loopbackEntries, long upstreamCalls,
                 double fillSeconds) {

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("entries", entries);
            map.put("heapAfterGcBytes", heapAfterGcBytes);
            map.put("bytesPerEntry", Math.round(bytesPerEntry));
            map.put("loopbackEntries", loopbackEntries);
            map.put("upstreamCalls", upstreamCalls);
            map.put("fillSeconds", Report.round(fillSeconds));
            return map;
        }
    }

    /** {@code warmKeys}: keys filled before the baseline was taken. */
    record Result(int warmKeys, long baselineHeapBytes, List<Point> points, List<String> problems) {

        boolean flagged() {
            return !problems.isEmpty();
        }

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("warmKeys", warmKeys);
            map.put("baselineHeapAfterGcBytes", baselineHeapBytes);
            map.put("points", points.stream().map(Point::asMap).toList());
            map.put("flagged", flagged());
            map.put("problems", problems);
            return map;
        }
    }

    private HeapRun() {
    }

    static Result run(BenchSettings settings, BenchBase base, BenchTokenEndpoint tokens, ServerJvm server,
                      ServerCounters counters, Path histogramDir) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        String entriesCounter = "loopback." + BenchBase.FILL_PROFILE + ".entries";
        long callsBefore = tokens.calls(BenchTokenEndpoint.Route.FILL);
        if (counters.loopback().get(entriesCounter) != 0) {
            problems.add("the fill profile held entries before the fill");
        }
        int warm = Math.max(1, Math.min(1000, settings.heapEntries().get(0) / 10));
        failures(problems, "warm fill", fill(base, 0, warm));
        long baseline = server.snapshot(histogramDir.resolve("heap-histogram-" + warm + ".txt")).heapAfterGcBytes();
        List<Point> points = new ArrayList<>();
        int filled = warm;
        for (int target : settings.heapEntries()) {
            long begin = System.nanoTime();
            failures(problems, "filling to " + target + " entries", fill(base, filled, target));
            double seconds = (System.nanoTime() - begin) / 1e9;
            filled = target;
            long heap = server.snapshot(histogramDir.resolve("heap-histogram-" + target + ".txt")).heapAfterGcBytes();
            long entries = counters.loopback().get(entriesCounter);
            long calls = tokens.calls(BenchTokenEndpoint.Route.FILL) - callsBefore;
            if (entries != target) {
                problems.add("after filling " + target + " distinct keys the fill profile holds " + entries + " entries");
            }
            if (calls != target) {
                problems.add("filling " + target + " distinct keys made " + calls + " upstream calls, expected " + target);
            }
            points.add(new Point(target, heap, (heap - baseline) / (double) (target - warm), entries, calls, seconds));
        }
        Http.Answer evicted = new Http().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base.loopbackUrl() + "/admin/entries?profile=" + BenchBase.FILL_PROFILE)).DELETE());
        if (evicted.status() != 204 || counters.loopback().get(entriesCounter) != 0) {
            problems.add("evicting the fill profile afterwards: " + evicted);
        }
        return new Result(warm, baseline, List.copyOf(points), List.copyOf(problems));
    }

    private static void failures(List<String> problems, String what, List<String> failures) {
        if (!failures.isEmpty()) {
            problems.add(what + ": " + failures);
        }
    }

    /** Keys {@code from} (inclusive) to {@code to} (exclusive), each its own token request; returns failure samples. */
    private static List<String> fill(BenchBase base, int from, int to) throws InterruptedException {
        URL url;
        try {
            url = base.loopbackUrl(BenchBase.FILL_PROFILE).toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
        AtomicLong next = new AtomicLong(from);
        AtomicLong failures = new AtomicLong();
        ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(FILL_THREADS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < FILL_THREADS; t++) {
                workers.add(pool.submit(() -> {
                    for (long key = next.getAndIncrement(); key < to; key = next.getAndIncrement()) {
                        String problem = fillOne(url, key);
                        if (problem != null) {
                            failures.incrementAndGet();
                            if (samples.size() < MAX_SAMPLES) {
                                samples.add(problem);
                            }
                        }
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } catch (ExecutionException e) {
            samples.add("fill worker failed: " + e.getCause());
            failures.incrementAndGet();
        } finally {
            pool.shutdownNow();
        }
        List<String> result = new ArrayList<>();
        if (failures.get() > 0) {
            result.add(failures.get() + " failed, e.g. " + samples);
        }
        return result;
    }

    /**
     * One fill request over {@code HttpURLConnection} (keep-alive, blocking): the fill is not timed,
     * but the driver shares the two cores with the server, and this client costs far less CPU per
     * request than the JDK {@code HttpClient}.
     */
    private static String fillOne(URL url, long key) {
        byte[] body = ("grant_type=client_credentials&client_id=" + BenchBase.CLIENT_ID + "&client_secret="
                + BenchBase.CLIENT_SECRET + "&scope=" + String.format("fill-%08d", key)).getBytes(StandardCharsets.UTF_8);
        try {
            HttpURLConnection connection = (HttpURLConnection) url.openConnection();
            connection.setRequestMethod("POST");
            connection.setConnectTimeout(5_000);
            connection.setReadTimeout(20_000);
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(body.length);
            connection.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
            connection.setRequestProperty("Accept", "application/json");
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
            int status = connection.getResponseCode();
            String cache = connection.getHeaderField("X-Loopback-Cache");
            // Read to the end and close, so the connection goes back to the keep-alive cache.
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                if (in != null) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
            }
            return status == 200 && "MISS".equals(cache) ? null : "HTTP " + status + " " + cache;
        } catch (IOException e) {
            return e.toString();
        }
    }
}
