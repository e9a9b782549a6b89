package dev.authloopback.it.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Facts about the machine a run was taken on, for the report: the numbers mean little without them. */
final class Machine {

    private static final Path LOADAVG = Path.of("/proc/loadavg");
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private Machine() {
    }

    /** The 1, 5 and 15 minute load averages ({@code /proc/loadavg}), or "unknown". */
    static String loadAverage() {
        String line = firstLine(LOADAVG, "");
        String[] parts = line.split("\\s+");
        return parts.length >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : "unknown";
    }

    static Map<String, Object> facts(String wrkVersion) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("cores", Runtime.getRuntime().availableProcessors());
        facts.put("cpu", field(CPUINFO, "model name"));
        facts.put("memory", field(MEMINFO, "MemTotal"));
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        facts.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        facts.put("wrk", wrkVersion);
        facts.put("loadAverageAtStart", loadAverage());
        return facts;
    }

    private static String field(Path file, String name) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(name)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String firstLine(Path file, String fallback) {
        try {
            return Files.readAllLines(file).stream().findFirst().orElse(fallback);
        } catch (IOException e) {
            return fallback;
        }
    }
}
