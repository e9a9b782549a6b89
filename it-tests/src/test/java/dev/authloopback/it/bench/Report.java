package dev.authloopback.it.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's results rendered three ways: a table for the console, {@code benchmark.json} (every
 * row and ratio of every target, plus machine facts and settings) and, through {@link RatioChart},
 * an SVG of the ratios. Ratios divide a row by its baseline row at the same concurrency on the same
 * target in the same run: throughput as a factor, p50 and p99 as milliseconds added.
 */
final class Report {

    /** One row over its baseline. */
    record Ratio(BenchSettings.Target target, Row row, int concurrency, double throughput, double p50AddedMs,
                 double p99AddedMs, boolean flagged) {

        String name() {
            return row.id + "/" + row.baseline().id;
        }

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("ratio", name());
            map.put("concurrency", concurrency);
            map.put("throughput", round(throughput));
            map.put("p50AddedMs", Double.isNaN(p50AddedMs) ? null : round(p50AddedMs));
            map.put("p99AddedMs", Double.isNaN(p99AddedMs) ? null : round(p99AddedMs));
            map.put("flagged", flagged);
            return map;
        }
    }

    /** A target of issue 9, evaluated where this run has the figures; reported, never asserted. */
    record Goal(String what, String value, boolean met) {
        Map<String, Object> asMap() {
            return ordered("goal", what, "value", value, "met", met);
        }
    }

    private final BenchSettings settings;
    private final Map<String, Object> machine;
    private final List<TargetRun.Result> targets;
    private final DpopCost.Proof dpopProof;

    Report(BenchSettings settings, Map<String, Object> machine, List<TargetRun.Result> targets, DpopCost.Proof dpopProof) {
        this.settings = settings;
        this.machine = machine;
        this.targets = List.copyOf(targets);
        this.dpopProof = dpopProof;
    }

    boolean flagged() {
        return targets.stream().anyMatch(TargetRun.Result::flagged);
    }

    static List<Ratio> ratios(TargetRun.Result target) {
        List<Ratio> ratios = new ArrayList<>();
        for (RowRun.Result result : target.rows()) {
            Row baselineRow = result.row().baseline();
            if (baselineRow == null) {
                continue;
            }
            RowRun.Result baseline = target.row(baselineRow, result.concurrency());
            if (baseline == null || baseline.measured().requestsPerSecond() == 0) {
                continue;
            }
            Wrk.Result row = result.measured();
            Wrk.Result base = baseline.measured();
            // A row with no answer has no latency: nothing was added, nothing can be compared.
            boolean answered = row.requests() > 0;
            ratios.add(new Ratio(target.target(), result.row(), result.concurrency(),
                    row.requestsPerSecond() / base.requestsPerSecond(), answered ? row.p50() - base.p50() : Double.NaN,
                    answered ? row.p99() - base.p99() : Double.NaN, result.flagged() || baseline.flagged()));
        }
        return ratios;
    }

    static List<Goal> goals(TargetRun.Result target) {
        List<Goal> goals = new ArrayList<>();
        for (Ratio ratio : ratios(target)) {
            int c = ratio.concurrency();
            if (ratio.row() == Row.FILTER && c == 32) {
                goals.add(new Goal("filter/none throughput >= 0.30 at c=32", fmt(ratio.throughput()), ratio.throughput() >= 0.30));
            }
            if (ratio.row() == Row.FILTER && c == 1) {
                goals.add(new Goal("filter p50 added <= 0.100 ms at c=1", fmt3(ratio.p50AddedMs()), ratio.p50AddedMs() <= 0.100));
            }
            if (ratio.row() == Row.HIT && (c == 1 || c == 32)) {
                goals.add(new Goal("hit/floor throughput >= 0.6 at c=" + c, fmt(ratio.throughput()), ratio.throughput() >= 0.6));
            }
            if (ratio.row() == Row.NEAR && (c == 1 || c == 32)) {
                goals.add(new Goal("near/none throughput >= 0.95 at c=" + c, fmt(ratio.throughput()), ratio.throughput() >= 0.95));
            }
        }
        RowRun.Result hit32 = target.row(Row.HIT, 32);
        if (hit32 != null) {
            goals.add(new Goal("hit p99 <= 5 ms at c=32", fmt3(hit32.measured().p99()), hit32.measured().p99() <= 5));
        }
        if (target.herd() != null) {
            goals.add(new Goal("herd: exactly 1 upstream call", String.valueOf(target.herd().upstreamCalls()),
                    target.herd().upstreamCalls() == 1));
        }
        if (target.heap() != null) {
            for (HeapRun.Point point : target.heap().points()) {
                goals.add(new Goal("heap <= 4096 B per entry at " + point.entries() + " entries",
                        String.format(Locale.ROOT, "%.0f", point.bytesPerEntry()), point.bytesPerEntry() <= 4096));
            }
        }
        if (target.soak() != null) {
            goals.add(new Goal("soak: 0 errors, heap and threads flat (±10%)", String.format(Locale.ROOT,
                    "flagged=%s heap %+.1f%% threads %+.1f%%", target.soak().row().flagged(),
                    target.soak().heapChange() * 100, target.soak().threadChange() * 100),
                    !target.soak().row().flagged() && target.soak().flat()));
        }
        return goals;
    }

    String table() {
        StringBuilder out = new StringBuilder();
        for (TargetRun.Result target : targets) {
            out.append(String.format(Locale.ROOT, "%n=== %s: %s%n", target.target().id(), target.server()));
            out.append(String.format(Locale.ROOT, "heap %s, wrk up to %d threads, %d s warm-up + %d s per run; "
                            + "load average %s -> %s; %.0f s%n", settings.serverHeap(), settings.wrkThreads(),
                    settings.warmup().toSeconds(), settings.measure().toSeconds(), target.loadBefore(),
                    target.loadAfter(), target.seconds()));
            String header = String.format(Locale.ROOT, "%-7s %4s %10s %8s %8s %8s %7s %7s  %s", "row", "c", "req/s",
                    "p50 ms", "p90 ms", "p99 ms", "errors", "non2xx", "check");
            out.append(header).append('\n').append("-".repeat(header.length())).append('\n');
            int lastC = -1;
            for (RowRun.Result row : target.rows()) {
                if (lastC != -1 && row.concurrency() != lastC) {
                    out.append('\n');
                }
                lastC = row.concurrency();
                Wrk.Result m = row.measured();
                String latencies = m.requests() == 0 ? String.format(Locale.ROOT, "%8s %8s %8s", "-", "-", "-")
                        : String.format(Locale.ROOT, "%8.3f %8.3f %8.3f", m.p50(), m.p90(), m.p99());
                out.append(String.format(Locale.ROOT, "%-7s %4d %,10.0f %s %7d %7d  %s%n", row.row().id,
                        row.concurrency(), m.requestsPerSecond(), latencies, m.socketErrors(), m.non2xx(),
                        row.flagged() ? "FLAGGED: " + String.join("; ", row.problems()) : "ok"));
            }
            List<Ratio> ratios = ratios(target);
            if (!ratios.isEmpty()) {
                out.append(String.format(Locale.ROOT, "%n%-13s %4s %8s %9s %9s%n", "ratio", "c", "req/s x", "+p50 ms",
                        "+p99 ms"));
                for (Ratio ratio : ratios) {
                    out.append(String.format(Locale.ROOT, "%-13s %4d %8.2f %9s %9s%s%n", ratio.name(),
                            ratio.concurrency(), ratio.throughput(), added(ratio.p50AddedMs()), added(ratio.p99AddedMs()),
                            ratio.flagged() ? "  (row flagged)" : ""));
                }
            }
            out.append('\n');
            if (target.soak() != null) {
                SoakRun.Result soak = target.soak();
                Wrk.Result m = soak.row().measured();
                out.append(String.format(Locale.ROOT, "soak: filter c=%d %d s: %,d requests, %,.0f req/s, p99 %.3f ms; "
                                + "heap after GC %.1f -> %.1f MiB (%+.1f%%), threads %d -> %d (%+.1f%%): %s%n",
                        soak.row().concurrency(), settings.soak().toSeconds(), m.requests(), m.requestsPerSecond(), m.p99(),
                        soak.start().heapMiB(), soak.end().heapMiB(), soak.heapChange() * 100, soak.start().liveThreads(),
                        soak.end().liveThreads(), soak.threadChange() * 100,
                        soak.row().flagged() ? "FLAGGED: " + soak.row().problems() : soak.flat() ? "ok, flat" : "ok, NOT flat"));
            }
            if (target.herd() != null) {
                HerdRun.Result herd = target.herd();
                out.append(String.format(Locale.ROOT, "herd: %d concurrent cold requests for one key -> %d upstream call(s);"
                                + " answers %s, X-Loopback-Cache %s; %.1f s: %s%n", herd.size(), herd.upstreamCalls(),
                        herd.statuses(), herd.cache(), herd.seconds(),
                        herd.flagged() ? "FLAGGED: " + herd.problems() : "ok"));
            }
            if (target.heap() != null) {
                HeapRun.Result heap = target.heap();
                out.append(String.format(Locale.ROOT, "heap: live heap after full GC %.1f MiB after a warm fill of %,d keys%n",
                        heap.baselineHeapBytes() / 1048576.0, heap.warmKeys()));
                for (HeapRun.Point point : heap.points()) {
                    out.append(String.format(Locale.ROOT, "heap: %,d distinct keys -> %.1f MiB, %,.0f bytes per"
                                    + " entry (filled in %.1f s)%n", point.entries(), point.heapAfterGcBytes() / 1048576.0,
                            point.bytesPerEntry(), point.fillSeconds()));
                }
                if (heap.flagged()) {
                    out.append("heap FLAGGED: ").append(heap.problems()).append('\n');
                }
            }
            for (String problem : target.problems()) {
                out.append("FLAGGED: ").append(problem).append('\n');
            }
            List<Goal> goals = goals(target);
            if (!goals.isEmpty()) {
                out.append("issue 9 targets (reported, not asserted):\n");
                for (Goal goal : goals) {
                    out.append(String.format(Locale.ROOT, "  %-4s %-48s %s%n", goal.met() ? "met" : "NOT", goal.what(),
                            goal.value()));
                }
            }
        }
        out.append(String.format(Locale.ROOT, "%n%s%n", flagged()
                ? "FLAGGED: some rows had errors or wrong answers (see above); exit status 1"
                : "every row checked against the server's counters: no errors, no wrong answers"));
        out.append(AgentCost.table(targets, settings.concurrency()));
        out.append(DpopCost.table(dpopProof, targets, settings.concurrency()));
        return out.toString();
    }

    /**
     * The figures as Markdown tables, one block per target (rows by concurrency, then the ratios,
     * herd and heap), ready for README or an issue note.
     */
    String markdown() {
        StringBuilder md = new StringBuilder();
        List<Integer> cs = settings.concurrency();
        for (TargetRun.Result target : targets) {
            md.append(String.format(Locale.ROOT, "**%s**: %s; load average %s → %s%n%n", target.target().id(),
                    target.server(), target.loadBefore(), target.loadAfter()));
            md.append("| row |");
            cs.forEach(c -> md.append(" c=").append(c).append(" req/s | c=").append(c).append(" p50 / p99 ms |"));
            md.append('\n').append("| --- |").append(" ---: | ---: |".repeat(cs.size())).append('\n');
            for (Row row : Row.values()) {
                md.append("| `").append(row.id).append("` |");
                for (int c : cs) {
                    RowRun.Result r = target.row(row, c);
                    md.append(r == null ? " – | – |" : r.measured().requests() == 0
                            ? String.format(Locale.ROOT, " 0 | none answered%s |", r.flagged() ? " ⚠ flagged" : "")
                            : String.format(Locale.ROOT, " %,.0f | %.3f / %.2f%s |", r.measured().requestsPerSecond(),
                                    r.measured().p50(), r.measured().p99(), r.flagged() ? " ⚠ flagged" : ""));
                }
                md.append('\n');
            }
            md.append("\n| ratio |");
            cs.forEach(c -> md.append(" c=").append(c).append(" req/s × | c=").append(c).append(" +p50 / +p99 ms |"));
            md.append('\n').append("| --- |").append(" ---: | ---: |".repeat(cs.size())).append('\n');
            List<Ratio> ratios = ratios(target);
            for (Row row : Row.values()) {
                if (row.baseline() == null) {
                    continue;
                }
                md.append("| ").append(row.id).append('/').append(row.baseline().id).append(" |");
                for (int c : cs) {
                    Ratio r = ratios.stream().filter(x -> x.row() == row && x.concurrency() == c).findFirst().orElse(null);
                    md.append(r == null ? " – | – |" : String.format(Locale.ROOT, " %.2f%s | %s / %s |",
                            r.throughput(), r.flagged() ? " ⚠" : "", added(r.p50AddedMs()), added(r.p99AddedMs())));
                }
                md.append('\n');
            }
            md.append('\n');
            if (target.herd() != null) {
                HerdRun.Result herd = target.herd();
                md.append(String.format(Locale.ROOT, "Herd: %d concurrent cold requests for one key → %d upstream call(s)"
                        + " (X-Loopback-Cache %s)%s.  %n", herd.size(), herd.upstreamCalls(), herd.cache(),
                        herd.flagged() ? " ⚠ " + herd.problems() : ""));
            }
            if (target.heap() != null) {
                md.append("Heap per cached entry: ").append(String.join(", ", target.heap().points().stream()
                        .map(p -> String.format(Locale.ROOT, "%,.0f bytes at %,d keys", p.bytesPerEntry(), p.entries()))
                        .toList()));
                md.append(target.heap().flagged() ? " ⚠ " + target.heap().problems() : "").append(".  \n");
            }
            if (target.soak() != null) {
                SoakRun.Result soak = target.soak();
                md.append(String.format(Locale.ROOT, "Soak (filter, c=%d, %d s): %,d requests%s; live heap after GC %+.1f%%,"
                                + " threads %+.1f%% (%s).  %n", soak.row().concurrency(), settings.soak().toSeconds(),
                        soak.row().measured().requests(), soak.row().flagged() ? " ⚠ " + soak.row().problems() : ", 0 errors",
                        soak.heapChange() * 100, soak.threadChange() * 100, soak.flat() ? "flat" : "not flat"));
            }
            target.problems().forEach(p -> md.append("⚠ ").append(p).append("  \n"));
            md.append('\n');
        }
        md.append(AgentCost.markdown(targets, settings.concurrency()));
        md.append(DpopCost.markdown(dpopProof, targets, settings.concurrency()));
        return md.toString();
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("generatedAt", Instant.now().toString());
        json.put("command", "it-tests/bench.sh");
        json.put("machine", machine);
        json.put("settings", settings.asMap());
        json.put("tokenAnswerBytes", BenchTokenEndpoint.ANSWER_BYTES);
        List<Object> all = new ArrayList<>();
        for (TargetRun.Result target : targets) {
            Map<String, Object> map = TargetRun.asMap(target);
            map.put("ratios", ratios(target).stream().map(Ratio::asMap).toList());
            map.put("goals", goals(target).stream().map(Goal::asMap).toList());
            all.add(map);
        }
        json.put("targets", all);
        json.put("dpopProof", dpopProof.asMap());
        json.put("flagged", flagged());
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    List<TargetRun.Result> targets() {
        return targets;
    }

    Map<String, Object> machine() {
        return machine;
    }

    BenchSettings settings() {
        return settings;
    }

    /** Milliseconds added, signed, or "n/a" when the row had no answer to time. */
    static String added(double ms) {
        return Double.isNaN(ms) ? "n/a" : String.format(Locale.ROOT, "%+.3f", ms);
    }

    /** A JSON object whose members keep the given order: {@code ordered("a", 1, "b", 2)}. */
    static Map<String, Object> ordered(Object... namesAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return map;
    }

    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String fmt3(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
