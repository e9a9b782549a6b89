package dev.authloopback.it.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The benchmark's parameters, read once from system properties ({@code it-tests/bench.sh} and the
 * {@code bench} Maven profile pass them on; override any with {@code -Dbench.<name>=...}). Every
 * problem is collected into one error naming the property, the value and the rule.
 *
 * @param targets         servers to measure, in order
 * @param concurrency     wrk connection counts; every throughput row is measured at each
 * @param warmup          wrk run before each measured run, discarded (0: none)
 * @param measure         the measured wrk run
 * @param wrkThreads      wrk threads when the concurrency allows (never more than the connections)
 * @param beforeDelay     how long the "before" row's token endpoint takes (a remote OAuth2 server)
 * @param herdSize        concurrent cold requests for one key in the herd
 * @param herdDelay       how long the herd's token endpoint takes, so the herd arrives while it is in flight
 * @param heapEntries     distinct keys at which heap per cached entry is measured, ascending
 * @param serverHeap      fixed heap of each server JVM ({@code -Xms} = {@code -Xmx})
 * @param loopbackWar     the loopback.war under test
 * @param sampleWar       the sample-app.war under test (it must hold {@code BearerEchoServlet})
 * @param jettyHome       the jetty-home tar.gz for the standalone target
 * @param serverConfig    the shipped {@code server-config/jetty} overlay (both targets are built from it)
 * @param workDir         where bases, logs and JFR files go
 * @param output          the JSON report
 * @param chart           the SVG chart of the ratios
 * @param jfr             start each server JVM with a flight recording (file in the work dir)
 * @param soak            length of the soak run ({@code filter} row at c=32); zero: no soak
 * @param cluster         every server's loopback.war shares its cache through a real Terracotta
 *                        server the driver starts ({@code cluster-uri}): the rows then measure
 *                        clustered hits
 * @param otelAgent       the OpenTelemetry Java agent jar the {@code agent} target attaches (null without that target)
 */
record BenchSettings(List<Target> targets, List<Integer> concurrency, Duration warmup, Duration measure,
                     int wrkThreads, Duration beforeDelay, int herdSize, Duration herdDelay, List<Integer> heapEntries,
                     String serverHeap, Path loopbackWar, Path sampleWar, Path jettyHome, Path serverConfig,
                     Path workDir, Path output, Path chart, boolean jfr, Duration soak, boolean cluster,
                     Path otelAgent) {

    static final String TARGETS = "bench.targets";
    static final String CONCURRENCY = "bench.concurrency";
    static final String WARMUP_SECONDS = "bench.warmupSeconds";
    static final String SECONDS = "bench.seconds";
    static final String WRK_THREADS = "bench.wrkThreads";
    static final String BEFORE_DELAY_MS = "bench.beforeDelayMs";
    static final String HERD_SIZE = "bench.herdSize";
    static final String HERD_DELAY_MS = "bench.herdDelayMs";
    static final String HEAP_ENTRIES = "bench.heapEntries";
    static final String SERVER_HEAP = "bench.heap";
    static final String LOOPBACK_WAR = "bench.loopbackWar";
    static final String SAMPLE_WAR = "bench.sampleWar";
    static final String JETTY_HOME = "bench.jettyHome";
    static final String SERVER_CONFIG = "bench.serverConfig";
    static final String WORK_DIR = "bench.workDir";
    static final String OUTPUT = "bench.output";
    static final String CHART = "bench.chart";
    static final String JFR = "bench.jfr";
    static final String SOAK_SECONDS = "bench.soakSeconds";
    static final String CLUSTER = "bench.cluster";
    static final String OTEL_AGENT = "bench.otelAgent";
    /** Each profile's clustered pool when {@code bench.cluster} is on (4 profiles share the server). */
    static final String CLUSTER_POOL_SIZE = "64MiB";
    static final int CLUSTER_OFFHEAP_MB = 512;

    /** The concurrency of the soak run, as the issue asks (the {@code filter} row at c=32). */
    static final int SOAK_CONCURRENCY = 32;

    /** Where the server under test comes from. */
    enum Target {
        /** Jetty 12 embedded in a JVM of its own ({@link EmbeddedBenchServer}), mirroring the shipped jetty.base. */
        EMBEDDED,
        /** An unpacked jetty-home with the shipped {@code server-config/jetty} overlay, as README says. */
        STANDALONE,
        /**
         * The embedded server again, with the OpenTelemetry Java agent attached and exporting every span
         * over OTLP to a sink in the driver (docs/tracing.md): rows floor, hit, none and filter only,
         * so their figures set against the {@code embedded} target's show what tracing costs.
         */
        AGENT;

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static BenchSettings fromSystemProperties() {
        return from(System::getProperty);
    }

    static BenchSettings from(Function<String, String> properties) {
        Reader r = new Reader(properties);
        List<Target> targets = r.targets();
        List<Integer> concurrency = r.ints(CONCURRENCY, "1,32,256", 1, 10_000);
        int warmup = r.integer(WARMUP_SECONDS, 2, 0);
        int seconds = r.integer(SECONDS, 5, 1);
        int wrkThreads = r.integer(WRK_THREADS, 2, 1);
        int beforeDelay = r.integer(BEFORE_DELAY_MS, 50, 0);
        int herdSize = r.integer(HERD_SIZE, 500, 1);
        int herdDelay = r.integer(HERD_DELAY_MS, 2000, 0);
        List<Integer> heapEntries = r.ints(HEAP_ENTRIES, "10000,100000", 1, 10_000_000);
        if (!heapEntries.equals(heapEntries.stream().sorted().distinct().toList())) {
            r.problems.add(HEAP_ENTRIES + ": '" + heapEntries + "' must be ascending (the fill is cumulative)");
        }
        String heap = r.text(SERVER_HEAP, "1g");
        if (!heap.matches("[0-9]+[kKmMgG]")) {
            r.problems.add(SERVER_HEAP + ": '" + heap + "' must be a JVM heap size such as 1g or 768m");
        }
        Path loopbackWar = r.file(LOOPBACK_WAR, true);
        Path sampleWar = r.file(SAMPLE_WAR, true);
        Path jettyHome = r.file(JETTY_HOME, targets.contains(Target.STANDALONE));
        Path serverConfig = r.directory(SERVER_CONFIG, true);
        // Absolute: the server JVMs run in directories of their own.
        Path workDir = Path.of(r.text(WORK_DIR, "target/bench")).toAbsolutePath().normalize();
        Path output = Path.of(r.text(OUTPUT, workDir.resolve("benchmark.json").toString())).toAbsolutePath();
        Path chart = Path.of(r.text(CHART, workDir.resolve("benchmark.svg").toString())).toAbsolutePath();
        boolean jfr = r.bool(JFR);
        int soak = r.integer(SOAK_SECONDS, 0, 0);
        boolean cluster = r.bool(CLUSTER);
        Path otelAgent = r.file(OTEL_AGENT, targets.contains(Target.AGENT));
        if (!r.problems.isEmpty()) {
            throw new IllegalArgumentException("invalid benchmark settings:\n  " + String.join("\n  ", r.problems));
        }
        return new BenchSettings(targets, concurrency, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds),
                wrkThreads, Duration.ofMillis(beforeDelay), herdSize, Duration.ofMillis(herdDelay), heapEntries, heap,
                loopbackWar, sampleWar, jettyHome, serverConfig, workDir, output, chart, jfr, Duration.ofSeconds(soak),
                cluster, otelAgent);
    }

    /** The largest fill: the loopback's {@code max-entries} for the fill profile is set above it. */
    int largestHeapFill() {
        return heapEntries.get(heapEntries.size() - 1);
    }

    /** The settings as they go into the JSON report. */
    Map<String, Object> asMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(TARGETS, targets.stream().map(Target::id).toList());
        map.put(CONCURRENCY, concurrency);
        map.put(WARMUP_SECONDS, warmup.toSeconds());
        map.put(SECONDS, measure.toSeconds());
        map.put(WRK_THREADS, wrkThreads);
        map.put(BEFORE_DELAY_MS, beforeDelay.toMillis());
        map.put(HERD_SIZE, herdSize);
        map.put(HERD_DELAY_MS, herdDelay.toMillis());
        map.put(HEAP_ENTRIES, heapEntries);
        map.put(SERVER_HEAP, serverHeap);
        map.put(LOOPBACK_WAR, loopbackWar.toString());
        map.put(SAMPLE_WAR, sampleWar.toString());
        map.put(JETTY_HOME, jettyHome == null ? null : jettyHome.toString());
        map.put(SERVER_CONFIG, serverConfig == null ? null : serverConfig.toString());
        map.put(JFR, jfr);
        map.put(SOAK_SECONDS, soak.toSeconds());
        map.put(CLUSTER, cluster);
        map.put(OTEL_AGENT, otelAgent == null ? null : otelAgent.toString());
        return map;
    }

    private static final class Reader {
        private final Function<String, String> properties;
        private final List<String> problems = new ArrayList<>();

        Reader(Function<String, String> properties) {
            this.properties = properties;
        }

        String text(String name, String fallback) {
            String value = properties.apply(name);
            return value == null || value.isBlank() ? fallback : value.trim();
        }

        List<Target> targets() {
            String value = text(TARGETS, "embedded,standalone");
            List<Target> targets = new ArrayList<>();
            for (String part : value.split(",")) {
                try {
                    Target target = Target.valueOf(part.trim().toUpperCase(Locale.ROOT));
                    if (!targets.contains(target)) {
                        targets.add(target);
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(TARGETS + ": '" + value + "' must list embedded, standalone and/or agent");
                    return List.of(Target.EMBEDDED);
                }
            }
            return List.copyOf(targets);
        }

        int integer(String name, int fallback, int min) {
            String value = text(name, null);
            if (value == null) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value);
                if (parsed < min) {
                    problems.add(name + ": '" + value + "' must be >= " + min);
                }
                return parsed;
            } catch (NumberFormatException e) {
                problems.add(name + ": '" + value + "' is not a whole number");
                return fallback;
            }
        }

        List<Integer> ints(String name, String fallback, int min, int max) {
            String value = text(name, fallback);
            List<Integer> values = new ArrayList<>();
            for (String part : value.split(",")) {
                try {
                    int parsed = Integer.parseInt(part.trim());
                    if (parsed < min || parsed > max) {
                        throw new NumberFormatException();
                    }
                    if (!values.contains(parsed)) {
                        values.add(parsed);
                    }
                } catch (NumberFormatException e) {
                    problems.add(name + ": '" + value + "' must be a comma-separated list of whole numbers, " + min
                            + " to " + max);
                    return List.of(min);
                }
            }
            return List.copyOf(values);
        }

        boolean bool(String name) {
            String value = text(name, "false");
            switch (value.toLowerCase(Locale.ROOT)) {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    problems.add(name + ": '" + value + "' must be true or false");
                    return false;
            }
        }

        Path file(String name, boolean required) {
            return path(name, required, Files::isRegularFile, "no such file");
        }

        Path directory(String name, boolean required) {
            return path(name, required, Files::isDirectory, "no such directory");
        }

        private Path path(String name, boolean required, java.util.function.Predicate<Path> exists, String missing) {
            String value = text(name, null);
            if (value == null) {
                if (required) {
                    problems.add(name + ": required (the bench Maven profile sets it)");
                }
                return null;
            }
            Path path = Path.of(value).toAbsolutePath().normalize();
            if (required && !exists.test(path)) {
                problems.add(name + ": '" + value + "': " + missing);
            }
            return path;
        }
    }
}
