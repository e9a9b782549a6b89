package dev.authloopback.it.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a command line (wrk, jcmd, tar) to completion with a bounded wait and returns its output. */
final class Commands {

    private Commands() {
    }

    /** The command's exit status and its stdout and stderr, merged. */
    record Result(int exitStatus, String output) {
    }

    /** Runs {@code command} in {@code directory}; a command still running after {@code timeout} is killed and reported. */
    static Result run(Path directory, Duration timeout, List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        // Read while it runs: a full pipe would block the command.
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e.getMessage() + ")";
            }
        });
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": still running after " + timeout + ", killed");
            }
            return new Result(process.exitValue(), output.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.get(0), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("reading the output of " + command.get(0), e);
        }
    }

    /** As {@link #run}, failing with the output when the command exits non-zero. */
    static String runOk(Path directory, Duration timeout, List<String> command) {
        Result result = run(directory, timeout, command);
        if (result.exitStatus() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + result.exitStatus() + ":\n"
                    + result.output());
        }
        return result.output();
    }
}
