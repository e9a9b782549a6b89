package dev.authloopback.loopback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layer picture of {@code loopback.war}, checked on its sources: a package refers (by import or
 * by full name) only to packages on a lower floor, never sideways or back up, so each floor can be read (and replaced)
 * knowing only what lies below it.
 *
 * <pre>
 * 0  web                     the web app: listener, runtime, token servlet, guards, admin views
 * 1  intake                  the caller's body, read within its deadline and size limit
 * 2  proxy                   the caching step: single flight, refresh ahead, stale, eviction
 * 3  cluster  metrics        the clustered tier over the heap store; counters and gauges
 *    tracing                 OpenTelemetry spans of requests and upstream calls (docs/tracing.md)
 * 4  cache  upstream  health the heap store and keys; the upstream client; health trackers
 *    exchange                exchange profiles: subject tokens checked, keyed, rate-limited, indexed
 * 5  config                  settings, read and validated once
 * 6  credentials  access     upstream credentials and key files; address allow-lists
 * 7  request  problem        value types everyone shares: the token request, problem JSON
 *    outcome                 what became of a call, typed (cache status, upstream failure, refresh):
 *                            proxy and upstream name it, metrics count it, health judges it
 *    memory                  the bytes-in-flight budget: intake, upstream and proxy reserve from it
 * 8  dpop                    DPoP proofs: settings, checks, replay memory, nonces (imports nothing of ours)
 * </pre>
 */
class LayeringTest {
    private static final Map<String, Integer> FLOORS = Map.ofEntries(
            Map.entry("web", 0),
            Map.entry("intake", 1),
            Map.entry("proxy", 2),
            Map.entry("cluster", 3), Map.entry("metrics", 3), Map.entry("tracing", 3),
            Map.entry("cache", 4), Map.entry("upstream", 4), Map.entry("health", 4),
            Map.entry("exchange", 4),
            Map.entry("config", 5),
            Map.entry("credentials", 6), Map.entry("access", 6),
            Map.entry("request", 7), Map.entry("problem", 7), Map.entry("outcome", 7),
            Map.entry("memory", 7),
            Map.entry("dpop", 8));

    private static final Path SOURCES = Path.of("src/main/java/dev/authloopback/loopback");
    private static final Pattern IMPORT =
            Pattern.compile("(?<!package )dev\\.authloopback\\.loopback\\.([a-z]\\w*)\\.([A-Z]\\w*)");

    @Test
    void everyPackageHasAFloor() throws IOException {
        TreeSet<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(FLOORS.keySet()), packages,
                "a new package needs a floor in the layer picture (LayeringTest)");
        try (Stream<Path> files = Files.list(SOURCES)) {
            assertTrue(files.noneMatch(Files::isRegularFile), "no classes in the root package: each lives on a floor");
        }
    }

    @Test
    void noImportRunsSidewaysOrBackUp() throws IOException {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String from = SOURCES.relativize(file).getName(0).toString();
                Matcher m = IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    String to = m.group(1);
                    if (!to.equals(from) && FLOORS.get(to) <= FLOORS.get(from)) {
                        wrong.add(SOURCES.relativize(file) + " (floor " + FLOORS.get(from) + ") imports " + to + "."
                                + m.group(2) + " (floor " + FLOORS.get(to) + ")");
                    }
                }
            }
        }
        assertEquals(List.of(), wrong, "imports against the layer picture");
    }
}
