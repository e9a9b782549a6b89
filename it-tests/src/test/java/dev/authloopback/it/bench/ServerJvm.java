package dev.authloopback.it.bench;

import dev.authloopback.testsupport.Processes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The server under test, a JVM of its own (never the driver's): started with a fixed heap and G1,
 * console to a log file, probed with {@code jcmd} for live heap after a full GC and live threads, and
 * stopped with SIGTERM (so a flight recording is written on exit).
 */
final class ServerJvm implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration JCMD_TIMEOUT = Duration.ofMinutes(1);
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
    private static final Pattern LIVE_THREADS = Pattern.compile("java\\.threads\\.live=(\\d+)");

    /** Live heap after a full GC and live threads, at one moment. */
    record Snapshot(long heapAfterGcBytes, long liveThreads) {
        double heapMiB() {
            return heapAfterGcBytes / 1024.0 / 1024.0;
        }
    }

    private final BenchSettings.Target target;
    private final String server;
    private final List<String> command;
    private final Process process;
    private final Path log;
    private final Path workDir;

    private ServerJvm(BenchSettings.Target target, String server, List<String> command, Path directory, Path log,
                      Path workDir) throws IOException {
        this.target = target;
        this.server = server;
        this.command = List.copyOf(command);
        this.log = log;
        this.workDir = workDir;
        this.process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** {@link EmbeddedBenchServer} on this JVM's classpath, serving {@code base}. */
    static ServerJvm embedded(BenchSettings settings, BenchBase base, Path workDir, List<String> systemProperties)
            throws IOException {
        return embedded(settings, BenchSettings.Target.EMBEDDED, base, workDir, systemProperties, "");
    }

    /**
     * The embedded server with the OpenTelemetry Java agent attached (docs/tracing.md), exporting every
     * span over OTLP http/protobuf to {@code otlpTraces}; no metrics or logs exported.
     */
    static ServerJvm embeddedWithAgent(BenchSettings settings, BenchBase base, Path workDir,
                                       List<String> systemProperties, URI otlpTraces) throws IOException {
        List<String> properties = new ArrayList<>(List.of("-javaagent:" + settings.otelAgent(),
                "-Dotel.service.name=bench-loopback", "-Dotel.exporter.otlp.protocol=http/protobuf",
                "-Dotel.exporter.otlp.traces.endpoint=" + otlpTraces, "-Dotel.metrics.exporter=none",
                "-Dotel.logs.exporter=none"));
        properties.addAll(systemProperties);
        return embedded(settings, BenchSettings.Target.AGENT, base, workDir, properties, ", OpenTelemetry Java agent");
    }

    private static ServerJvm embedded(BenchSettings settings, BenchSettings.Target target, BenchBase base, Path workDir,
                                      List<String> systemProperties, String suffix) throws IOException {
        List<String> command = jvm(settings, target, workDir, systemProperties);
        String logging = System.getProperty("java.util.logging.config.file");
        if (logging != null) {
            command.add("-Djava.util.logging.config.file=" + logging);
        }
        command.addAll(List.of("-cp", absoluteClassPath(), EmbeddedBenchServer.class.getName(),
                base.dir().toString(), String.valueOf(base.mainPort()), String.valueOf(base.loopbackPort())));
        return new ServerJvm(target, "Jetty " + org.eclipse.jetty.util.Jetty.VERSION
                + " embedded (" + EmbeddedBenchServer.class.getSimpleName() + suffix + ")", command, base.dir(),
                workDir.resolve("server.log"), workDir);
    }

    /** This JVM's class path with every entry absolute: the server runs in the base directory. */
    private static String absoluteClassPath() {
        return Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                // A server's class path has no OpenTelemetry of its own (TracingIT's SDK is the driver's):
                // its service files would reach the WARs' API copies ("not a subtype").
                .filter(entry -> !entry.replace('\\', '/').contains("/io/opentelemetry/"))
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    /** jetty-home unpacked into {@code workDir}, {@code start.jar} run in {@code base}, as README says. */
    static ServerJvm standalone(BenchSettings settings, BenchBase base, Path workDir, List<String> systemProperties)
            throws IOException {
        Processes.runOk(workDir, Duration.ofMinutes(3), List.of("tar", "-xzf", settings.jettyHome().toString(), "-C",
                workDir.toString()));
        Path home;
        try (Stream<Path> entries = Files.list(workDir)) {
            home = entries.filter(p -> p.getFileName().toString().startsWith("jetty-home-")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(settings.jettyHome() + " holds no jetty-home-* directory"));
        }
        List<String> command = jvm(settings, BenchSettings.Target.STANDALONE, workDir, systemProperties);
        // docs/operations.md, "Moving the loopback port": one system property moves the connector (and every
        // business app's default token-url). JVM options go on the java command line, so start.jar
        // runs Jetty in this very JVM (no fork).
        command.add("-Dauth-loopback.port=" + base.loopbackPort());
        command.addAll(List.of("-jar", home.resolve("start.jar").toString(),
                "jetty.http.host=127.0.0.1", "jetty.http.port=" + base.mainPort()));
        return new ServerJvm(BenchSettings.Target.STANDALONE, "Jetty " + home.getFileName().toString()
                .substring("jetty-home-".length()) + " standalone (jetty-home + server-config/jetty)", command,
                base.dir(), workDir.resolve("server.log"), workDir);
    }

    private static List<String> jvm(BenchSettings settings, BenchSettings.Target target, Path workDir,
                                    List<String> systemProperties) throws IOException {
        Path tmp = Files.createDirectories(workDir.resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + settings.serverHeap(), "-Xmx" + settings.serverHeap(), "-XX:+UseG1GC",
                "-Djava.io.tmpdir=" + tmp));
        if (settings.jfr()) {
            command.add("-XX:StartFlightRecording=filename=" + workDir.resolve(target.id() + ".jfr")
                    + ",settings=profile,dumponexit=true");
        }
        command.addAll(systemProperties);
        return command;
    }

    /** Waits until every probe answers 200; fails early, with the log's tail, if the JVM exits. */
    void awaitReady(List<URI> probes) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (URI probe : probes) {
            while (!answers200(client, probe)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(server + " exited with " + process.exitValue()
                            + " before it was ready; log " + log + ":\n" + tail(60));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(server + ": " + probe + " not answering 200 within " + READY_TIMEOUT
                            + "; log " + log + ":\n" + tail(60));
                }
                Thread.sleep(200);
            }
        }
    }

    private static boolean answers200(HttpClient client, URI probe) throws InterruptedException {
        try {
            return client.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    BenchSettings.Target target() {
        return target;
    }

    /** What runs, e.g. "Jetty 12.1.12 standalone (...)". */
    String server() {
        return server;
    }

    List<String> command() {
        return command;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /**
     * Live heap after a full GC and live threads, from jcmd: {@code GC.class_histogram} runs a full GC
     * and walks the live objects; its total is the heap they take, without the collector's region
     * slack. The histogram goes to {@code histogramFile} when not null (what an entry is made of).
     */
    Snapshot snapshot(Path histogramFile) throws IOException {
        String histogram = jcmd("GC.class_histogram");
        Matcher total = HISTOGRAM_TOTAL.matcher(histogram);
        if (!total.find()) {
            throw new IllegalStateException("jcmd GC.class_histogram: no 'Total' line in:\n"
                    + histogram.substring(Math.max(0, histogram.length() - 2000)));
        }
        if (histogramFile != null) {
            Files.writeString(histogramFile, histogram);
        }
        Matcher threads = LIVE_THREADS.matcher(jcmd("PerfCounter.print"));
        if (!threads.find()) {
            throw new IllegalStateException("jcmd PerfCounter.print: no java.threads.live");
        }
        return new Snapshot(Long.parseLong(total.group(1)), Long.parseLong(threads.group(1)));
    }

    Snapshot snapshot() throws IOException {
        return snapshot(null);
    }

    private String jcmd(String what) {
        if (!process.isAlive()) {
            throw new IllegalStateException(server + " is no longer running; log " + log + ":\n" + tail(40));
        }
        return Processes.runOk(workDir, JCMD_TIMEOUT, List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(process.pid()), what));
    }

    String tail(int lines) {
        try {
            // Lenient decoding: a server log is not guaranteed to be clean UTF-8.
            List<String> all = new String(Files.readAllBytes(log), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGTERM (Jetty stops, a flight recording is dumped), then a bounded wait, then kill. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
