package dev.authloopback.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs short-lived commands (tar, jboss-cli, keytool, promtool, wrk, jcmd) to completion with a
 * bounded wait. Standard output and error go, merged, to a temporary file, so a chatty command
 * never blocks on a full pipe; a command still running at its timeout is killed with its
 * descendants and reported with what it printed so far.
 */
public final class Processes {

    private Processes() {
    }

    /** The command's exit code and its stdout and stderr, merged. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs {@code command} in {@code directory}, whatever its exit code. */
    public static Result run(Path directory, Duration timeout, List<String> command) {
        return run(directory, Map.of(), null, timeout, command);
    }

    /**
     * Runs {@code command} in {@code directory} ({@code null}: this JVM's working directory) with
     * {@code env} added to this JVM's environment and {@code stdin} as its input ({@code null}:
     * its input stays open and empty), whatever its exit code.
     */
    public static Result run(Path directory, Map<String, String> env, String stdin, Duration timeout,
                             List<String> command) {
        try {
            Path output = Files.createTempFile("test-process-", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(output.toFile());
                if (directory != null) {
                    builder.directory(directory.toFile());
                }
                builder.environment().putAll(env);
                Process process = start(builder, command);
                if (stdin != null) {
                    try (OutputStream in = process.getOutputStream()) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + ": still running after " + timeout
                            + ", killed; its output:\n" + Files.readString(output, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.get(0), e);
        }
    }

    /** As {@link #run(Path, Duration, List)}, failing with the output unless the command exits with 0. */
    public static String runOk(Path directory, Duration timeout, String... command) {
        return runOk(directory, Map.of(), timeout, List.of(command));
    }

    public static String runOk(Path directory, Duration timeout, List<String> command) {
        return runOk(directory, Map.of(), timeout, command);
    }

    public static String runOk(Path directory, Map<String, String> env, Duration timeout, List<String> command) {
        Result result = run(directory, env, null, timeout, command);
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + result.exitCode() + ":\n"
                    + result.output());
        }
        return result.output();
    }

    private static Process start(ProcessBuilder builder, List<String> command) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
    }
}
