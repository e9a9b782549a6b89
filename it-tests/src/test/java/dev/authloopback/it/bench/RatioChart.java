package dev.authloopback.it.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws the throughput ratios of a run as a self-contained SVG bar chart (no script, no external
 * font or style, so it renders on GitHub and in any browser): one group per ratio, within it one
 * bar per target and concurrency, the targets as dashed lines, the value above each bar.
 * A bar whose row was flagged is outlined in red and marked "!".
 */
final class RatioChart {

    private static final int WIDTH = 980;
    private static final int HEIGHT = 480;
    private static final int LEFT = 70;
    private static final int RIGHT = 960;
    private static final int TOP = 92;
    private static final int BOTTOM = 370;
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2"};
    private static final List<Row> RATIO_ROWS = List.of(Row.HIT, Row.FILTER, Row.NEAR, Row.BEFORE);

    private RatioChart() {
    }

    static void write(Report report, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, svg(report), StandardCharsets.UTF_8);
    }

    static String svg(Report report) {
        List<Report.Ratio> ratios = new ArrayList<>();
        report.targets().forEach(t -> ratios.addAll(Report.ratios(t)));
        List<BenchSettings.Target> targets = report.targets().stream().map(TargetRun.Result::target).toList();
        List<Integer> concurrency = report.settings().concurrency();
        double max = ratios.stream().mapToDouble(Report.Ratio::throughput).max().orElse(1);
        double yMax = Math.max(1.0, Math.ceil(max * 5) / 5);

        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", WIDTH, HEIGHT));
        text(svg, LEFT, 28, 18, "bold", "start", "Auth Loopback benchmark: throughput of a row / its baseline, same server, same run");
        Map<String, Object> machine = report.machine();
        text(svg, LEFT, 50, 12, "normal", "start", String.format(Locale.ROOT,
                "%s · %s cores · Java %s · wrk, %d s warm-up + %d s per run · server heap %s · load average %s → %s",
                LocalDate.now(ZoneOffset.UTC), machine.get("cores"), System.getProperty("java.specification.version"),
                report.settings().warmup().toSeconds(), report.settings().measure().toSeconds(),
                report.settings().serverHeap(), first(machine.get("loadAverageAtStart")),
                first(machine.get("loadAverageAtEnd"))));
        legend(svg, targets, concurrency);

        // y axis and grid
        for (int i = 0; i <= Math.round(yMax * 5); i++) {
            double value = i / 5.0;
            double y = y(value, yMax);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"1\"/>%n", LEFT, y, RIGHT, y, value == 0 ? "#333333" : "#e5e5e5"));
            text(svg, LEFT - 8, y + 4, 11, "normal", "end", String.format(Locale.ROOT, "%.1f", value));
        }
        double groupWidth = (RIGHT - LEFT) / (double) RATIO_ROWS.size();
        int slots = targets.size() * concurrency.size() + (targets.size() - 1);
        double slot = (groupWidth - 30) / Math.max(1, slots);
        for (int g = 0; g < RATIO_ROWS.size(); g++) {
            Row row = RATIO_ROWS.get(g);
            double groupLeft = LEFT + g * groupWidth + 15;
            int s = 0;
            for (BenchSettings.Target target : targets) {
                double clusterLeft = groupLeft + s * slot;
                for (int ci = 0; ci < concurrency.size(); ci++, s++) {
                    int c = concurrency.get(ci);
                    Report.Ratio ratio = ratios.stream().filter(r -> r.target() == target && r.row() == row
                            && r.concurrency() == c).findFirst().orElse(null);
                    if (ratio != null) {
                        bar(svg, groupLeft + s * slot, slot, ratio, COLOURS[ci % COLOURS.length],
                                target == BenchSettings.Target.STANDALONE, yMax);
                    }
                }
                double clusterRight = groupLeft + s * slot;
                text(svg, (clusterLeft + clusterRight) / 2, BOTTOM + 16, 10, "normal", "middle", target.id());
                s++; // gap between targets
            }
            goalLine(svg, row, groupLeft, groupLeft + groupWidth - 30, yMax); // over the bars
            text(svg, groupLeft + (groupWidth - 30) / 2, BOTTOM + 38, 14, "bold", "middle",
                    row.id + " / " + row.baseline().id);
            text(svg, groupLeft + (groupWidth - 30) / 2, BOTTOM + 54, 10, "normal", "middle", caption(row));
            if (goal(row) > 0) {
                text(svg, groupLeft + (groupWidth - 30) / 2, BOTTOM + 68, 10, "normal", "middle",
                        String.format(Locale.ROOT, "issue 9 target (dashed): ≥ %.2f", goal(row)));
            }
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String caption(Row row) {
        return switch (row) {
            case HIT -> "loopback HIT vs bare servlet";
            case FILTER -> "filter -> loopback vs no token step";
            case NEAR -> "filter near cache vs no token step";
            case BEFORE -> "filter -> ~50 ms IdP vs no token step";
            default -> "";
        };
    }

    private static void legend(StringBuilder svg, List<BenchSettings.Target> targets, List<Integer> concurrency) {
        double x = LEFT;
        for (int ci = 0; ci < concurrency.size(); ci++) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"62\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    x, COLOURS[ci % COLOURS.length]));
            text(svg, x + 16, 72, 12, "normal", "start", "c=" + concurrency.get(ci));
            x += 70;
        }
        if (targets.contains(BenchSettings.Target.STANDALONE)) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"62\" width=\"12\" height=\"12\" fill=\"#888888\" "
                    + "fill-opacity=\"0.45\" stroke=\"#888888\"/>%n", x + 10));
            text(svg, x + 26, 72, 12, "normal", "start", "standalone jetty-home (lighter); embedded Jetty (solid)");
        }
    }

    /** The throughput target for a ratio, or -1. */
    private static double goal(Row row) {
        return switch (row) {
            case HIT -> 0.6;
            case FILTER -> 0.30;
            case NEAR -> 0.95;
            default -> -1;
        };
    }

    private static void goalLine(StringBuilder svg, Row row, double from, double to, double yMax) {
        if (goal(row) < 0) {
            return;
        }
        double y = y(goal(row), yMax);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\" "
                + "stroke-width=\"1.2\" stroke-dasharray=\"5,4\"/>%n", from, y, to, y));
    }

    /** The 1-minute figure of a load-average triple. */
    private static String first(Object loadAverage) {
        return String.valueOf(loadAverage).split(" ")[0];
    }

    private static void bar(StringBuilder svg, double x, double slot, Report.Ratio ratio, String colour,
                            boolean lighter, double yMax) {
        double width = slot * 0.82;
        double top = y(Math.min(ratio.throughput(), yMax), yMax);
        double height = Math.max(0.5, BOTTOM - top);
        // One stroke per bar: red for a flagged row wins over the lighter bar's outline.
        String stroke = ratio.flagged() ? " stroke=\"#d00000\" stroke-width=\"2\""
                : lighter ? " stroke=\"" + colour + "\"" : "";
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s%s>"
                        + "<title>%s</title></rect>%n", x, BOTTOM - height, width, height, colour,
                lighter ? " fill-opacity=\"0.45\"" : "", stroke,
                escape(String.format(Locale.ROOT, "%s %s c=%d: %.3f x throughput, %s ms p50, %s ms p99%s",
                        ratio.target().id(), ratio.name(), ratio.concurrency(), ratio.throughput(),
                        Report.added(ratio.p50AddedMs()), Report.added(ratio.p99AddedMs()),
                        ratio.flagged() ? " (row flagged: errors or wrong answers)" : ""))));
        text(svg, x + width / 2, BOTTOM - height - 4, 9, "normal", "middle",
                (ratio.flagged() ? "! " : "") + String.format(Locale.ROOT, "%.2f", ratio.throughput()));
    }

    private static double y(double value, double yMax) {
        return BOTTOM - value / yMax * (BOTTOM - TOP);
    }

    private static void text(StringBuilder svg, double x, double y, int size, String weight, String anchor, String text) {
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" font-weight=\"%s\" "
                + "text-anchor=\"%s\" fill=\"#222222\">%s</text>%n", x, y, size, weight, anchor, escape(text)));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
