package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.PrometheusText;
import dev.authloopback.it.support.Promtool;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator assets in {@code server-config/} hold up against the real thing: promtool accepts the
 * scrape config and the alert rules, the rules' own unit tests pass, and every query of the Grafana
 * dashboard and of the rules names only metrics a live {@code /admin/metrics} exports.
 */
class OperatorAssetsIT {

    private static final Path PROMETHEUS = Path.of(System.getProperty("it.server-config.dir"), "prometheus");
    private static final Path DASHBOARD = Path.of(System.getProperty("it.server-config.dir"), "grafana",
            "auth-loopback-dashboard.json");
    /** Metric names as the assets write them: the loopback's, the JVM's and the process' (and Prometheus' own "up"). */
    private static final Pattern METRIC = Pattern.compile("(?<![\\w:$])((?:loopback|jvm|process)_[a-zA-Z0-9_:]*|up(?=\\{))");
    /** Any identifier directly followed by a selector: it must be one of the names above. */
    private static final Pattern SELECTED = Pattern.compile("(?<![\\w:$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    private static Set<String> exported;
    private static String scrapeText;

    /**
     * One live scrape with an entry in the cache, so the entry gauges have points too, from a node
     * of a cluster (a real Terracotta server), so the cluster metrics the rules name are there too.
     */
    @BeforeAll
    static void scrapeALiveLoopback() {
        Http http = new Http();
        try (TerracottaServer terracotta = TerracottaServer.fromKit().start();
             FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .setting("cluster-uri", terracotta.uri("auth-loopback"))
                     .setting("cluster-pool-size", "8MiB")
                     .setting("cluster-key-file", ClusterKeyFiles.oneKey(terracotta.directory().resolve("cluster.keys")))
                     .start()) {
            http.post(loopback.tokenUrl(), "application/x-www-form-urlencoded", "grant_type=client_credentials&scope=ops");
            scrapeText = http.get(loopback.url("/admin/metrics")).body();
            exported = PrometheusText.parse(scrapeText).sampleNames();
        }
    }

    @Test
    void promtoolAcceptsTheLiveScrape() {
        Promtool.Result result = Promtool.checkMetrics(scrapeText);
        assertTrue(result.ok(), () -> "promtool check metrics:\n" + result.output() + "\n" + scrapeText);
    }

    @Test
    void promtoolAcceptsTheAlertRulesAndTheirUnitTestsPass() {
        Promtool.Result rules = Promtool.checkRules(PROMETHEUS.resolve("auth-loopback-rules.yml"));
        assertTrue(rules.ok(), rules::output);
        Promtool.Result tests = Promtool.testRules(PROMETHEUS.resolve("auth-loopback-rules.test.yml"));
        assertTrue(tests.ok(), tests::output);
        Promtool.Result config = Promtool.checkConfig(PROMETHEUS.resolve("prometheus.yml"));
        assertTrue(config.ok(), config::output);
    }

    @Test
    void everyDashboardQueryNamesOnlyExportedMetrics() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                queries.add(variable.path("query").path("query").asText());
            }
        }
        assertEquals(16, dashboard.path("panels").size(), "dashboard panels");
        assertEquals(29, queries.size(), "dashboard queries (26 in panels, 3 in variables): " + queries);
        assertEveryQueryNamesExportedMetrics(queries, "dashboard " + DASHBOARD);
    }

    @Test
    void everyAlertRuleNamesOnlyExportedMetrics() throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(PROMETHEUS.resolve("auth-loopback-rules.yml")));
        List<String> queries = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                queries.add(rule.path("expr").asText());
            }
        }
        assertEquals(8, queries.size(), "rule expressions: " + queries);
        assertEveryQueryNamesExportedMetrics(queries, "rules");
    }

    private static void assertEveryQueryNamesExportedMetrics(List<String> queries, String where) {
        Set<String> known = new TreeSet<>(exported);
        known.add("up"); // Prometheus' own per-target series
        List<String> problems = new ArrayList<>();
        for (String query : queries) {
            String unquoted = QUOTED.matcher(query).replaceAll("\"\"");
            Set<String> named = new LinkedHashSet<>();
            Matcher metric = METRIC.matcher(unquoted);
            while (metric.find()) {
                named.add(metric.group(1));
            }
            Matcher selected = SELECTED.matcher(unquoted);
            while (selected.find()) {
                named.add(selected.group(1));
            }
            if (named.isEmpty()) {
                problems.add("names no metric: " + query);
            }
            for (String name : named) {
                if (!known.contains(name)) {
                    problems.add(name + " is not exported (in: " + query + ")");
                }
            }
        }
        assertFalse(exported.isEmpty(), "the live scrape was empty");
        assertEquals(List.of(), problems, () -> where + ": queries naming metrics the loopback does not export;"
                + " exported: " + exported);
    }
}
