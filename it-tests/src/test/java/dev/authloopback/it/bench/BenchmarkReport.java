package dev.authloopback.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** Collects the results and renders them twice: a table for the console and {@code benchmark.json}. */
final class BenchmarkReport {

    /** The steady phase: load between two snapshots taken with nothing in flight. */
    record Steady(String title, LoadDriver.Outcome outcome, MemoryProbe.Snapshot before, MemoryProbe.Snapshot after,
                  long upstreamCalls) {

        long heapDeltaBytes() {
            return after.heapUsedBytes() - before.heapUsedBytes();
        }
    }

    private final BenchSettings settings;
    private final List<ScenarioResult> rows = new ArrayList<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    private Steady steady;
    private JsonNode loopbackStats;

    BenchmarkReport(BenchSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    void add(ScenarioResult row) {
        rows.add(row);
    }

    /** A fact about the run for the JSON (e.g. the token answer size). */
    void fact(String name, Object value) {
        facts.put(name, value);
    }

    void steady(Steady phase) {
        this.steady = phase;
    }

    void loopbackStats(JsonNode stats) {
        this.loopbackStats = stats;
    }

    /** Failed checks and exceptions over the whole run, warm-ups and the steady phase included. */
    long totalErrors() {
        long errors = rows.stream().mapToLong(ScenarioResult::failures).sum();
        return steady == null ? errors : errors + steady.outcome.errors() + steady.outcome.warmupErrors();
    }

    String table() {
        StringBuilder out = new StringBuilder();
        String header = String.format(Locale.ROOT, "%-5s %-58s %3s %8s %6s %9s %8s %8s %8s %5s %7s %7s %9s %7s",
                "id", "scenario", "K", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms",
                "vs", "p50 x", "req/s x", "+p50 ms", "OAuth2");
        out.append(header).append('\n').append("-".repeat(header.length())).append('\n');
        for (int i = 0; i < rows.size(); i++) {
            ScenarioResult row = rows.get(i);
            ScenarioResult base = baselineOf(row);
            if (i > 0 && rows.get(i - 1).threads() != row.threads()) {
                out.append('\n');
            }
            out.append(String.format(Locale.ROOT, "%-5s %-58s %3d %8d %6d %9.1f %8.3f %8.3f %8.3f %5s %7s %7s %9s %7d%n",
                    row.id(), row.title(), row.threads(), row.outcome().requests(), row.failures(), row.outcome().throughput(),
                    row.p50(), row.p90(), row.p99(), base == null ? "-" : base.id(),
                    base == null ? "-" : String.format(Locale.ROOT, "%.2f", row.p50Ratio(base)),
                    base == null ? "-" : String.format(Locale.ROOT, "%.2f", row.throughputRatio(base)),
                    base == null ? "-" : String.format(Locale.ROOT, "%+.3f", row.p50() - base.p50()),
                    row.upstreamCalls()));
        }
        if (steady != null) {
            LoadDriver.Outcome o = steady.outcome;
            out.append('\n').append(String.format(Locale.ROOT,
                    "steady phase: %s, %d s: %d requests, %d errors, %.1f req/s, p50 %.3f ms, p99 %.3f ms, OAuth2 calls %d%n",
                    steady.title, settings.steady().toSeconds(), o.requests(), o.errors() + o.warmupErrors(),
                    o.throughput(), o.latencies().percentileMillis(0.5), o.latencies().percentileMillis(0.99),
                    steady.upstreamCalls));
            out.append(String.format(Locale.ROOT, "%-34s %10s %10s %10s%n", "", "before", "after", "delta"));
            out.append(line("heap used after full GC (MiB)", MemoryProbe.mib(steady.before.heapUsedBytes()),
                    MemoryProbe.mib(steady.after.heapUsedBytes())));
            out.append(line("live threads (whole JVM)", steady.before.liveThreads(), steady.after.liveThreads()));
            out.append(line("loopback threads (loopback-*)", steady.before.loopbackThreads(), steady.after.loopbackThreads()));
            out.append(line("loopback open connections", steady.before.loopbackConnections(),
                    steady.after.loopbackConnections()));
            out.append(String.format(Locale.ROOT, "peaks while loaded (sampled every 0.5 s): loopback connections %s,"
                    + " loopback threads %s%n", facts.get("steadyPeakLoopbackConnections"),
                    facts.get("steadyPeakLoopbackThreads")));
            out.append(String.format(Locale.ROOT, "heap delta per steady request: %.2f bytes%n",
                    (double) steady.heapDeltaBytes() / Math.max(1, o.requests())));
            String changed = changedThreadGroups(steady.before.threadGroups(), steady.after.threadGroups());
            out.append("thread groups that changed: ").append(changed.isEmpty() ? "none" : changed).append('\n');
        }
        out.append(String.format(Locale.ROOT, "%nerrors in the whole run: %d%n", totalErrors()));
        return out.toString();
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("generatedAt", Instant.now().toString());
        json.put("machine", machine());
        json.put("parameters", settings.asMap());
        json.put("facts", facts);
        List<Object> scenarios = new ArrayList<>();
        rows.forEach(row -> scenarios.add(row.asMap(baselineOf(row))));
        json.put("scenarios", scenarios);
        if (steady != null) {
            Map<String, Object> phase = new LinkedHashMap<>();
            phase.put("scenario", steady.title);
            phase.put("seconds", ScenarioResult.round(steady.outcome.wall().toNanos() / 1e9));
            phase.put("requests", steady.outcome.requests());
            phase.put("errors", steady.outcome.errors() + steady.outcome.warmupErrors());
            phase.put("errorSamples", steady.outcome.errorSamples());
            phase.put("throughputPerSecond", ScenarioResult.round(steady.outcome.throughput()));
            phase.put("p50Ms", ScenarioResult.round(steady.outcome.latencies().percentileMillis(0.5)));
            phase.put("p99Ms", ScenarioResult.round(steady.outcome.latencies().percentileMillis(0.99)));
            phase.put("oauth2TokenCalls", steady.upstreamCalls);
            phase.put("before", steady.before.asMap());
            phase.put("after", steady.after.asMap());
            phase.put("heapDeltaBytes", steady.heapDeltaBytes());
            phase.put("heapDeltaBytesPerRequest",
                    ScenarioResult.round((double) steady.heapDeltaBytes() / Math.max(1, steady.outcome.requests())));
            phase.put("liveThreadsDelta", steady.after.liveThreads() - steady.before.liveThreads());
            phase.put("threadGroupsChanged", changedThreadGroups(steady.before.threadGroups(), steady.after.threadGroups()));
            phase.put("loopbackThreadsDelta", steady.after.loopbackThreads() - steady.before.loopbackThreads());
            phase.put("loopbackConnectionsDelta",
                    steady.after.loopbackConnections() - steady.before.loopbackConnections());
            json.put("steady", phase);
        }
        json.put("loopbackStats", loopbackStats);
        json.put("errorsTotal", totalErrors());
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    private ScenarioResult baselineOf(ScenarioResult row) {
        if (row.baselineId() == null) {
            return null;
        }
        return rows.stream().filter(r -> r.id().equals(row.baselineId()) && r.threads() == row.threads()).findFirst()
                .orElseThrow(() -> new IllegalStateException(row.id() + ": baseline " + row.baselineId() + " not measured"));
    }

    /** {@code HttpClient-#-Worker-# 40 -> 29, ...}: which pools grew or shrank (idle threads time out). */
    static String changedThreadGroups(Map<String, Integer> before, Map<String, Integer> after) {
        Set<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        StringBuilder changed = new StringBuilder();
        for (String name : names) {
            int b = before.getOrDefault(name, 0);
            int a = after.getOrDefault(name, 0);
            if (a != b) {
                changed.append(changed.length() == 0 ? "" : ", ").append(name).append(' ').append(b).append(" -> ").append(a);
            }
        }
        return changed.toString();
    }

    private static String line(String name, double before, double after) {
        return String.format(Locale.ROOT, "%-34s %10.2f %10.2f %+10.2f%n", name, before, after, after - before);
    }

    private static String line(String name, int before, int after) {
        return String.format(Locale.ROOT, "%-34s %10d %10d %+10d%n", name, before, after, after - before);
    }

    private static Map<String, Object> machine() {
        Runtime runtime = Runtime.getRuntime();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", runtime.availableProcessors());
        machine.put("javaVersion", System.getProperty("java.version"));
        machine.put("javaVm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version")
                + " " + System.getProperty("os.arch"));
        machine.put("maxHeapMiB", MemoryProbe.mib(runtime.maxMemory()));
        machine.put("garbageCollectors", ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).toList());
        machine.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> arg.startsWith("-X")).toList());
        machine.put("jetty", org.eclipse.jetty.util.Jetty.VERSION);
        return machine;
    }
}
