package dev.authloopback.it.bench;

import java.util.List;
import java.util.Locale;

/**
 * What the OpenTelemetry Java agent costs (issue 24): each row of the {@code agent} target set against
 * the same row of the {@code embedded} target of the same run, as req/s with ÷ without and the p50/p99
 * added. Empty unless both targets ran.
 */
final class AgentCost {
    private static final List<Row> ROWS = List.of(Row.FLOOR, Row.HIT, Row.NONE, Row.FILTER);

    private AgentCost() {
    }

    static String table(List<TargetRun.Result> targets, List<Integer> concurrency) {
        TargetRun.Result with = find(targets, BenchSettings.Target.AGENT);
        TargetRun.Result without = find(targets, BenchSettings.Target.EMBEDDED);
        if (with == null || without == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n=== agent cost: agent ÷ embedded, same run (req/s ×, p50 / p99 added ms)%n"));
        for (Row row : ROWS) {
            for (int c : concurrency) {
                String cell = cell(with.row(row, c), without.row(row, c));
                if (cell != null) {
                    out.append(String.format(Locale.ROOT, "%-7s %4d  %s%n", row.id, c, cell));
                }
            }
        }
        return out.toString();
    }

    static String markdown(List<TargetRun.Result> targets, List<Integer> concurrency) {
        TargetRun.Result with = find(targets, BenchSettings.Target.AGENT);
        TargetRun.Result without = find(targets, BenchSettings.Target.EMBEDDED);
        if (with == null || without == null) {
            return "";
        }
        StringBuilder md = new StringBuilder("**agent cost** (agent ÷ embedded, same run: req/s ×, +p50 / +p99 ms)\n\n| row |");
        concurrency.forEach(c -> md.append(" c=").append(c).append(" |"));
        md.append('\n').append("| --- |").append(" ---: |".repeat(concurrency.size())).append('\n');
        for (Row row : ROWS) {
            md.append("| `").append(row.id).append("` |");
            for (int c : concurrency) {
                String cell = cell(with.row(row, c), without.row(row, c));
                md.append(' ').append(cell == null ? "–" : cell).append(" |");
            }
            md.append('\n');
        }
        return md.append('\n').toString();
    }

    private static String cell(RowRun.Result with, RowRun.Result without) {
        if (with == null || without == null || without.measured().requestsPerSecond() == 0
                || with.measured().requests() == 0) {
            return null;
        }
        Wrk.Result a = with.measured();
        Wrk.Result b = without.measured();
        return String.format(Locale.ROOT, "%.2f× (%,.0f vs %,.0f req/s), %+.3f / %+.2f ms%s",
                a.requestsPerSecond() / b.requestsPerSecond(), a.requestsPerSecond(), b.requestsPerSecond(),
                a.p50() - b.p50(), a.p99() - b.p99(), with.flagged() || without.flagged() ? " ⚠ flagged" : "");
    }

    private static TargetRun.Result find(List<TargetRun.Result> targets, BenchSettings.Target target) {
        return targets.stream().filter(t -> t.target() == target).findFirst().orElse(null);
    }
}
