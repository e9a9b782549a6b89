package dev.authloopback.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A server's log file, read fresh on every call. */
final class ServerLog {

    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
    private static final Pattern ERROR_LEVEL = Pattern.compile("\\b(ERROR|SEVERE|FATAL)\\b");
    private static final Pattern OUR_STACK_FRAME = Pattern.compile("^\\s+at dev\\.authloopback\\.");
    private static final Pattern OUR_EXCEPTION = Pattern.compile("dev\\.authloopback\\.[\\w.$]*(Exception|Error)\\b");

    private final Path file;

    private ServerLog(Path file) {
        this.file = file;
    }

    static ServerLog of(Path file) {
        return new ServerLog(file);
    }

    List<String> lines() {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(line -> ANSI.matcher(line).replaceAll(""))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean contains(String text) {
        return lines().stream().anyMatch(line -> line.contains(text));
    }

    String tail(int count) {
        List<String> lines = lines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    /** No ERROR/SEVERE/FATAL line at all, and no exception or stack frame of ours anywhere. */
    void assertNoErrorsAndNoStackTraceOfOurs(String server) {
        List<String> bad = lines().stream()
                .filter(line -> ERROR_LEVEL.matcher(line).find() || OUR_STACK_FRAME.matcher(line).find()
                        || OUR_EXCEPTION.matcher(line).find())
                .collect(Collectors.toList());
        if (!bad.isEmpty()) {
            fail(server + " log " + file + " holds errors:\n" + String.join("\n", bad) + "\n--- tail ---\n" + tail(60));
        }
    }

    /** Lines at WARN level, for the test report (they do not fail the test). */
    List<String> warnings() {
        return lines().stream().filter(line -> line.contains("WARN")).toList();
    }
}
