package dev.authloopback.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;

/**
 * The benchmark, tiny, on every {@code mvn verify}, so its code cannot rot: the embedded target
 * only, c=1, one second per row, a small herd and heap fill. It proves the whole path works (server
 * JVM started and ready, wrk runs and is parsed, every row checked against the server's counters,
 * JSON, Markdown and a well-formed SVG written); it asserts nothing about time.
 *
 * <p>It needs {@code wrk} on the PATH and fails, saying how to install it, when it is missing
 * ({@code .ci/run} installs it); a skipped smoke run would let the benchmark rot unnoticed.
 */
class BenchmarkSmokeIT {

    private static final Path WORK = Path.of("target/bench-smoke");

    @Test
    void everyRowHerdAndHeapFillAreMeasuredAndCheckedOnTheEmbeddedServer() throws Exception {
        Wrk.requireInstalled();
        Map<String, String> properties = Map.ofEntries(
                Map.entry(BenchSettings.TARGETS, "embedded"),
                Map.entry(BenchSettings.CONCURRENCY, "1"),
                Map.entry(BenchSettings.WARMUP_SECONDS, "0"),
                Map.entry(BenchSettings.SECONDS, "1"),
                Map.entry(BenchSettings.HERD_SIZE, "20"),
                Map.entry(BenchSettings.HERD_DELAY_MS, "500"),
                Map.entry(BenchSettings.HEAP_ENTRIES, "100,300"),
                Map.entry(BenchSettings.SERVER_HEAP, "256m"),
                Map.entry(BenchSettings.LOOPBACK_WAR, System.getProperty("it.loopback.war")),
                Map.entry(BenchSettings.SAMPLE_WAR, System.getProperty("it.sample.war")),
                Map.entry(BenchSettings.SERVER_CONFIG, System.getProperty(BenchSettings.SERVER_CONFIG)),
                Map.entry(BenchSettings.WORK_DIR, WORK.toString()));

        Report report = LoopbackBenchmark.run(BenchSettings.from(properties::get));

        String table = report.table();
        assertFalse(report.flagged(), () -> "the smoke run flagged wrong answers or errors:\n" + table);
        JsonNode json = new ObjectMapper().readTree(WORK.resolve("benchmark.json").toFile());
        JsonNode target = json.path("targets").path(0);
        assertEquals("embedded", target.path("target").asText(), () -> "JSON targets: " + json.path("targets"));
        Set<String> rows = new HashSet<>();
        target.path("rows").forEach(row -> rows.add(row.path("row").asText()));
        assertEquals(Set.of("floor", "hit", "none", "filter", "near", "before", "obo", "dpop"), rows, () -> "JSON rows:\n" + table);
        Set<String> ratios = new HashSet<>();
        target.path("ratios").forEach(ratio -> ratios.add(ratio.path("ratio").asText()));
        assertEquals(Set.of("hit/floor", "filter/none", "near/none", "before/none", "obo/none", "dpop/none"), ratios, () -> "JSON ratios:\n" + table);
        assertTrue(json.path("dpopProof").path("microsPerProof").asDouble() > 0 && json.path("dpopProof").path("microsPerCheck").asDouble() > 0,
                () -> "dpopProof: " + json.path("dpopProof"));
        assertEquals(1, target.path("herd").path("upstreamCalls").asInt(), () -> "herd: " + target.path("herd"));
        assertEquals(2, target.path("heap").path("points").size(), () -> "heap: " + target.path("heap"));
        String svg = Files.readString(WORK.resolve("benchmark.svg"));
        assertTrue(svg.startsWith("<svg") && svg.contains("filter / none"), () -> "chart:\n" + svg);
        // Well-formed XML, or browsers and GitHub show nothing.
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(WORK.resolve("benchmark.svg").toFile());
        assertTrue(Files.readString(WORK.resolve("benchmark.md")).contains("| hit/floor |"), "benchmark.md has the ratios");
    }
}
