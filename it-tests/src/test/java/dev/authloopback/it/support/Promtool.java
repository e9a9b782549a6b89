package dev.authloopback.it.support;

import dev.authloopback.testsupport.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prometheus' own {@code promtool} (Debian package {@code prometheus}, installed by {@code .ci/run}),
 * run on what the loopback exports and on the operator assets it ships. A missing promtool fails
 * the test with the install command: a check that cannot run must not pass.
 */
public final class Promtool {

    /** What promtool said, and whether it was satisfied. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private Promtool() {
    }

    /** {@code promtool check metrics} on a scrape: exposition syntax and naming conventions. */
    public static Result checkMetrics(String exposition) {
        return run(exposition, "check", "metrics");
    }

    public static Result checkRules(Path rules) {
        return run(null, "check", "rules", rules.toString());
    }

    public static Result checkConfig(Path config) {
        // The full check (files it names must exist): what an operator runs on the shipped file.
        return run(null, "check", "config", config.toString());
    }

    /** {@code promtool test rules}: alert rules evaluated against the series a test file describes. */
    public static Result testRules(Path tests) {
        return run(null, "test", "rules", tests.toString());
    }

    private static Result run(String stdin, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(executable());
        command.addAll(List.of(arguments));
        Processes.Result result = Processes.run(null, Map.of(), stdin, Duration.ofSeconds(60), command);
        return new Result(result.exitCode(), result.output());
    }

    private static String executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("promtool is not installed, so the exported metrics and the shipped Prometheus"
                + " rules cannot be checked. Install it: apt-get install -y prometheus (.ci/run does).");
    }
}
