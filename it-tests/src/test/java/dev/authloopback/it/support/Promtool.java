package dev.authloopback.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        return run(null, "check", "config", "--syntax-only", config.toString());
    }

    /** {@code promtool test rules}: alert rules evaluated against the series a test file describes. */
    public static Result testRules(Path tests) {
        return run(null, "test", "rules", tests.toString());
    }

    private static Result run(String stdin, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(executable());
        command.addAll(List.of(arguments));
        try {
            Path output = Files.createTempFile("promtool-", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(output.toFile());
                Process process = builder.start();
                try (var in = process.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("promtool did not finish within 60 s: " + command);
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
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
