package dev.authloopback.deployment;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A standalone server started as its own process, console output to a file. {@link #stop}
 * asks it to stop the way an operator does (SIGTERM, i.e. Ctrl-C / systemd stop) and waits.
 */
final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final Path console;
    private final long startedNanos = System.nanoTime();

    private ServerProcess(Process process, Path console) {
        this.process = process;
        this.console = console;
    }

    static ServerProcess start(Path directory, Map<String, String> env, Path console, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(console.toFile());
        builder.environment().putAll(env);
        return new ServerProcess(builder.start(), console);
    }

    Path console() {
        return console;
    }

    /** Waits until {@code ready} holds; fails early, with the console, if the process dies. */
    Duration awaitReady(BooleanSupplier ready, Duration timeout, String what) throws InterruptedException {
        long deadline = startedNanos + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError(what + ": the server exited with " + process.exitValue()
                        + " before it was ready\n" + ServerLog.of(console).tail(80));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not ready within " + timeout + "\n" + ServerLog.of(console).tail(80));
            }
            Thread.sleep(100);
        }
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** SIGTERM, then wait; returns how long the stop took. Fails if the server does not exit. */
    Duration stop(Duration timeout) throws InterruptedException {
        long begin = System.nanoTime();
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            killAll();
            throw new AssertionError("the server did not stop within " + timeout + " after SIGTERM");
        }
        return Duration.ofNanos(System.nanoTime() - begin);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            killAll();
        }
    }

    private void killAll() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
