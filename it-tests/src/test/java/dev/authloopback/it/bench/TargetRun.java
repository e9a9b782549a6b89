package dev.authloopback.it.bench;

import dev.authloopback.it.bench.BenchBase.BusinessContext;
import dev.authloopback.testsupport.http.Http;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything measured on one target, against one server JVM: heap per entry on the fresh server,
 * the soak if asked, the rows at every concurrency (concurrency by concurrency, all rows side by
 * side), and the herd. A failure to start or measure is recorded as the target's problem, never thrown past
 * the run, so the other target is still measured.
 */
final class TargetRun {

    record Result(BenchSettings.Target target, String server, List<String> command, ServerJvm.Snapshot started,
                  ServerJvm.Snapshot afterRows, List<RowRun.Result> rows, SoakRun.Result soak, HerdRun.Result herd,
                  HeapRun.Result heap, String loadBefore, String loadAfter, double seconds, List<String> problems) {

        boolean flagged() {
            return !problems.isEmpty() || rows.stream().anyMatch(RowRun.Result::flagged)
                    || (soak != null && soak.row().flagged()) || (herd != null && herd.flagged())
                    || (heap != null && heap.flagged());
        }

        RowRun.Result row(Row row, int concurrency) {
            return rows.stream().filter(r -> r.row() == row && r.concurrency() == concurrency).findFirst().orElse(null);
        }
    }

    /** At least this much c=32 load before the soak's first snapshot, so the pools have grown to it. */
    private static final java.time.Duration SOAK_WARMUP = java.time.Duration.ofSeconds(10);

    private final BenchSettings settings;
    private final BenchSettings.Target target;
    private final BenchTokenEndpoint tokens;
    private final URI clusterUri;

    private ServerJvm server;
    /** The agent target's OTLP endpoint; {@code null} for the others. */
    private OtlpSink sink;
    private ServerJvm.Snapshot started;
    private ServerJvm.Snapshot afterRows;
    private final List<RowRun.Result> rows = new ArrayList<>();
    private SoakRun.Result soak;
    private HerdRun.Result herd;
    private HeapRun.Result heap;
    private final List<String> problems = new ArrayList<>();

    private TargetRun(BenchSettings settings, BenchSettings.Target target, BenchTokenEndpoint tokens, URI clusterUri) {
        this.clusterUri = clusterUri;
        this.settings = settings;
        this.target = target;
        this.tokens = tokens;
    }

    /** @param clusterUri the Terracotta server the loopback shares its cache through, or {@code null} */
    static Result run(BenchSettings settings, BenchSettings.Target target, BenchTokenEndpoint tokens, URI clusterUri) {
        return new TargetRun(settings, target, tokens, clusterUri).run();
    }

    private Result run() {
        long begin = System.nanoTime();
        String loadBefore = Machine.loadAverage();
        List<String> command = List.of();
        String description = target.id();
        try {
            Path work = fresh(settings.workDir().resolve(target.id()));
            BenchBase base = BenchBase.prepare(work.resolve("base"), settings, tokens);
            List<String> properties = BenchBase.systemProperties(settings, tokens, clusterUri);
            if (target == BenchSettings.Target.AGENT) {
                sink = OtlpSink.start();
            }
            server = switch (target) {
                case EMBEDDED -> ServerJvm.embedded(settings, base, work, properties);
                case STANDALONE -> ServerJvm.standalone(settings, base, work, properties);
                case AGENT -> ServerJvm.embeddedWithAgent(settings, base, work, properties, sink.tracesUrl());
            };
            description = server.server();
            command = server.command();
            log("starting %s (pid %d, heap %s, log %s)", description, server.pid(), settings.serverHeap(), server.log());
            server.awaitReady(probes(base));
            measure(base);
        } catch (Exception | AssertionError e) {
            problems.add(target.id() + " run failed: " + e);
            log("FAILED: %s", e);
            if (server != null) {
                log("server log tail:%n%s", server.tail(40));
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (sink != null) {
                log("OTLP sink: %,d exports, %,d bytes", sink.exports(), sink.bytes());
                sink.close();
            }
        }
        return new Result(target, description, command, started, afterRows, List.copyOf(rows), soak, herd, heap,
                loadBefore, Machine.loadAverage(), (System.nanoTime() - begin) / 1e9, List.copyOf(problems));
    }

    /**
     * Heap first, on the fresh server: its baseline must not move while it fills, and right after
     * the rows the server still holds their pooled connections until they idle out. The fill
     * profile is emptied again before the rows.
     */
    private void measure(BenchBase base) throws IOException, InterruptedException {
        Http http = new Http();
        ServerCounters counters = new ServerCounters(base, tokens);
        Path work = settings.workDir().resolve(target.id());
        boolean agent = target == BenchSettings.Target.AGENT;
        // The agent target measures what tracing adds to the hit and filter rows, nothing else.
        heap = agent ? null : HeapRun.run(settings, base, tokens, server, counters, work);
        for (HeapRun.Point point : heap == null ? List.<HeapRun.Point>of() : heap.points()) {
            log("heap: %,d distinct keys: %,.0f bytes per entry (filled in %.1f s)", point.entries(),
                    point.bytesPerEntry(), point.fillSeconds());
        }
        if (heap != null && heap.flagged()) {
            log("heap FLAGGED %s", heap.problems());
        }
        started = server.snapshot();
        RowRun rowRun = new RowRun(settings, base, counters, http, work);
        if (!agent && !settings.soak().isZero()) {
            log("soak: filter row at c=%d for %d s ...", BenchSettings.SOAK_CONCURRENCY, settings.soak().toSeconds());
            java.time.Duration warmup = SOAK_WARMUP.compareTo(settings.warmup()) > 0 ? SOAK_WARMUP : settings.warmup();
            soak = SoakRun.run(rowRun, server, warmup, settings.soak());
            log("soak: heap after GC %.1f -> %.1f MiB, threads %d -> %d, %s", soak.start().heapMiB(), soak.end().heapMiB(),
                    soak.start().liveThreads(), soak.end().liveThreads(),
                    soak.row().flagged() ? "FLAGGED " + soak.row().problems() : "ok");
        }
        for (int concurrency : settings.concurrency()) {
            for (Row row : Row.values()) {
                if (agent && !List.of(Row.FLOOR, Row.HIT, Row.NONE, Row.FILTER).contains(row)) {
                    continue;
                }
                long begin = System.nanoTime();
                RowRun.Result result = rowRun.measure(row, concurrency);
                rows.add(result);
                Wrk.Result m = result.measured();
                log("c=%-4d %-7s %,10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  (%4.1f s)  %s", concurrency, row.id,
                        m.requestsPerSecond(), m.p50(), m.p99(), (System.nanoTime() - begin) / 1e9,
                        result.flagged() ? "FLAGGED " + result.problems() : "ok");
            }
        }
        afterRows = server.snapshot();
        if (agent) {
            return;
        }
        herd = HerdRun.run(settings, base, tokens);
        log("herd: %d requests, %d upstream call(s), %s, %s", herd.size(), herd.upstreamCalls(), herd.cache(),
                herd.flagged() ? "FLAGGED " + herd.problems() : "ok");
    }

    /** 200 from every context once it is deployed; the filtered paths are left to the rows' primed requests. */
    private static List<URI> probes(BenchBase base) {
        List<URI> probes = new ArrayList<>();
        probes.add(URI.create(base.loopbackUrl() + "/admin/health"));
        probes.add(base.floorUrl());
        for (BusinessContext context : BusinessContext.values()) {
            probes.add(base.businessUrl(context, BenchBase.PLAIN_ECHO + BenchBase.COUNTS));
        }
        return probes;
    }

    private void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%s] %s%n", target.id(), String.format(Locale.ROOT, format, args));
    }

    /** An empty directory at {@code dir}, whatever an earlier run left there. */
    private static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /** The result as it goes into the JSON (ratios are added by {@link Report}). */
    static Map<String, Object> asMap(Result result) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("target", result.target().id());
        map.put("server", result.server());
        map.put("serverCommand", result.command());
        map.put("loadAverageBefore", result.loadBefore());
        map.put("loadAverageAfter", result.loadAfter());
        map.put("seconds", Report.round(result.seconds()));
        map.put("serverBeforeRows", snapshot(result.started()));
        map.put("serverAfterRows", snapshot(result.afterRows()));
        map.put("rows", result.rows().stream().map(RowRun.Result::asMap).toList());
        map.put("soak", result.soak() == null ? null : result.soak().asMap());
        map.put("herd", result.herd() == null ? null : result.herd().asMap());
        map.put("heap", result.heap() == null ? null : result.heap().asMap());
        map.put("flagged", result.flagged());
        map.put("problems", result.problems());
        return map;
    }

    private static Map<String, Object> snapshot(ServerJvm.Snapshot snapshot) {
        if (snapshot == null) {
            return null;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("heapAfterGcBytes", snapshot.heapAfterGcBytes());
        map.put("liveThreads", snapshot.liveThreads());
        return map;
    }
}
