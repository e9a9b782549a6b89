package dev.authloopback.it.bench;

import dev.authloopback.testsupport.terracotta.TerracottaServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark of issue 9 and DESIGN.md's non-functional bars: a benchmark that measures the
 * server, not itself. Load comes from {@code wrk} in a process of its own; the server under test
 * is a JVM of its own with a fixed heap; this JVM (the driver) only starts things, hosts the token
 * endpoint ({@link BenchTokenEndpoint}) and reads counters.
 *
 * <p>For each target ({@code bench.targets}: embedded Jetty 12, then a standalone jetty-home
 * 12.1.12 with the shipped {@code server-config/jetty}; both from the same {@link BenchBase}), one
 * server process holds every row side by side:
 * <ol>
 *   <li>{@link Row}s {@code floor}, {@code hit}, {@code none}, {@code filter}, {@code near}, {@code dpop},
 *       {@code before}, each at every {@code bench.concurrency} (default 1, 32, 256), wrk's
 *       figures plus a check against the server's counters ({@link RowRun});</li>
 *   <li>the soak, when {@code bench.soakSeconds} > 0 ({@link SoakRun});</li>
 *   <li>the herd ({@link HerdRun}) and heap per cached entry ({@link HeapRun}).</li>
 * </ol>
 * Then a table on stdout, {@code bench.output} (JSON), the same figures as Markdown tables next to
 * it ({@code benchmark.md}) and {@code bench.chart} (SVG). Speed is
 * reported as ratios against baselines from the same run, never asserted.
 *
 * <p>Exit status: 0 when every row, the herd and the heap fill were answered correctly; 1 when
 * something was flagged (errors, non-2xx, counters that do not add up, a herd with more than one
 * upstream call); 2 when the benchmark itself could not run (settings, wrk missing).
 *
 * <p>Run: {@code it-tests/bench.sh} (docs/benchmark.md).
 */
public final class LoopbackBenchmark {

    private LoopbackBenchmark() {
    }

    public static void main(String[] args) {
        int status;
        try {
            status = run(BenchSettings.fromSystemProperties()).flagged() ? 1 : 0;
        } catch (Exception e) {
            System.err.println("benchmark failed: " + e.getMessage());
            e.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }

    /** Runs every target and writes the report; the caller decides what a flagged report means. */
    static Report run(BenchSettings settings) throws Exception {
        long begin = System.nanoTime();
        String wrkVersion = Wrk.requireInstalled();
        Map<String, Object> machine = Machine.facts(wrkVersion);
        System.out.printf(Locale.ROOT, "Auth Loopback benchmark: %s cores, %s, %s; %s%n", machine.get("cores"),
                machine.get("java"), wrkVersion, settings.asMap());
        // Before any server runs: the proof's cost alone, on a quiet JVM (issue 25).
        DpopCost.Proof dpopProof = DpopCost.measure(settings);
        System.out.printf(Locale.ROOT, "DPoP proof: %.1f µs to sign (ES256, signing included), %.1f µs to check (%d proofs)%n",
                dpopProof.microsPerProof(), dpopProof.microsPerCheck(), dpopProof.proofs());
        Map<BenchTokenEndpoint.Route, java.time.Duration> delays = new EnumMap<>(BenchTokenEndpoint.Route.class);
        delays.put(BenchTokenEndpoint.Route.BEFORE, settings.beforeDelay());
        delays.put(BenchTokenEndpoint.Route.HERD, settings.herdDelay());
        List<TargetRun.Result> targets = new ArrayList<>();
        try (BenchTokenEndpoint tokens = BenchTokenEndpoint.start(delays);
             TerracottaServer terracotta = settings.cluster()
                     ? TerracottaServer.fromKit(BenchSettings.CLUSTER_OFFHEAP_MB, TerracottaServer.DEFAULT_CLIENT_LEASE).start()
                     : null) {
            if (terracotta != null) {
                System.out.printf(Locale.ROOT, "bench.cluster: Terracotta server ready in %d ms at %s%n",
                        terracotta.startedIn().toMillis(), terracotta.uri("auth-loopback-bench"));
            }
            for (BenchSettings.Target target : settings.targets()) {
                // A cluster tier manager per target: the second server never meets the first one's entries.
                targets.add(TargetRun.run(settings, target, tokens,
                        terracotta == null ? null : terracotta.uri("auth-loopback-bench-" + target.id())));
            }
        }
        machine.put("loadAverageAtEnd", Machine.loadAverage());
        machine.put("wallSeconds", Report.round((System.nanoTime() - begin) / 1e9));
        Report report = new Report(settings, machine, targets, dpopProof);
        System.out.print(report.table());
        report.writeJson(settings.output());
        Path markdown = settings.output().resolveSibling(settings.output().getFileName().toString()
                .replaceFirst("\\.json$", "") + ".md");
        Files.writeString(markdown, report.markdown());
        RatioChart.write(report, settings.chart());
        System.out.printf(Locale.ROOT, "JSON:  %s%ntables: %s%nchart: %s%nwall time: %.0f s%n", settings.output(),
                markdown, settings.chart(), (System.nanoTime() - begin) / 1e9);
        return report;
    }
}
