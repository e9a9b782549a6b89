package dev.authloopback.it.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load: {@code threads} client threads share one keep-alive JDK {@link HttpClient}
 * (so each holds its own pooled connection) and send the same request back to back. Each driver
 * has a client of its own, so a scenario never inherits pooled connections that sat idle through
 * earlier scenarios: the servers' idle timeout (30 s) would have closed them, and the JDK client
 * does not retry a POST that meets a closed pooled connection, which would show up as an error of
 * the benchmark rather than of the product. A run is a
 * warm-up, then all threads meet at a barrier and the measured part starts at one instant; the
 * wall time ends when the last thread is done. Every answer is checked; a failed check or an
 * exception is an error, counted and sampled, never dropped.
 */
final class LoadDriver implements AutoCloseable {

    /** What a correct answer looks like: returns {@code null} when the answer is right, else why not. */
    @FunctionalInterface
    interface Check {
        String problem(HttpResponse<String> answer);
    }

    /** One measured run. {@code warmupErrors} are not in {@code errors} but count as failures too. */
    record Outcome(long warmupRequests, long warmupErrors, long requests, long errors, List<String> errorSamples,
                   Duration wall, LatencyHistogram latencies) {

        double throughput() {
            return requests / (wall.toNanos() / 1e9);
        }
    }

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int ERROR_SAMPLES = 5;

    private final ExecutorService executor;
    private final HttpClient client;
    private final int threads;

    LoadDriver(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        this.threads = threads;
        AtomicInteger count = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bench-http-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .build();
    }

    /** Stops the client's executor; Java 17's HttpClient has no close(), its selector ends once unreferenced. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** {@code warmup} requests, then {@code requests} measured ones, split evenly over the threads. */
    Outcome run(HttpRequest request, Check check, int warmup, int requests) throws InterruptedException {
        return execute(request, check, warmup, requests, null);
    }

    /** {@code warmup} requests, then measured requests until {@code duration} has passed. */
    Outcome runFor(HttpRequest request, Check check, int warmup, Duration duration) throws InterruptedException {
        return execute(request, check, warmup, 0, duration);
    }

    private Outcome execute(HttpRequest template, Check check, int warmup, int requests, Duration duration)
            throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(template, (name, value) -> true).timeout(REQUEST_TIMEOUT).build();
        Tally warm = new Tally();
        Tally measured = new Tally();
        AtomicLong measureStart = new AtomicLong();
        CyclicBarrier startLine = new CyclicBarrier(threads, () -> measureStart.set(System.nanoTime()));
        long[] endTimes = new long[threads];
        LatencyHistogram[] histograms = new LatencyHistogram[threads];
        List<Thread> workers = new ArrayList<>(threads);
        List<Throwable> crashes = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            histograms[t] = new LatencyHistogram();
            Thread worker = new Thread(() -> {
                try {
                    LatencyHistogram ignored = new LatencyHistogram();
                    for (int i = 0, n = share(warmup, index); i < n; i++) {
                        send(request, check, warm, ignored);
                    }
                    startLine.await(5, TimeUnit.MINUTES);
                    if (duration == null) {
                        for (int i = 0, n = share(requests, index); i < n; i++) {
                            send(request, check, measured, histograms[index]);
                        }
                    } else {
                        long deadline = measureStart.get() + duration.toNanos();
                        while (System.nanoTime() < deadline) {
                            send(request, check, measured, histograms[index]);
                        }
                    }
                    endTimes[index] = System.nanoTime();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    synchronized (crashes) {
                        crashes.add(e);
                    }
                } catch (BrokenBarrierException | TimeoutException | RuntimeException e) {
                    synchronized (crashes) {
                        crashes.add(e);
                    }
                    startLine.reset();
                }
            }, "bench-client-" + t);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (!crashes.isEmpty()) {
            throw new IllegalStateException("a client thread failed: " + crashes.get(0), crashes.get(0));
        }
        LatencyHistogram all = new LatencyHistogram();
        long end = 0;
        for (int t = 0; t < threads; t++) {
            all.add(histograms[t]);
            end = Math.max(end, endTimes[t]);
        }
        List<String> samples = new ArrayList<>(measured.samples());
        warm.samples().forEach(problem -> samples.add("during warm-up: " + problem));
        return new Outcome(warm.requests.get(), warm.errors.get(), measured.requests.get(), measured.errors.get(),
                List.copyOf(samples), Duration.ofNanos(end - measureStart.get()), all);
    }

    private int share(int total, int index) {
        return total / threads + (index < total % threads ? 1 : 0);
    }

    private void send(HttpRequest request, Check check, Tally tally, LatencyHistogram histogram)
            throws InterruptedException {
        long start = System.nanoTime();
        String problem;
        try {
            HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
            histogram.record(System.nanoTime() - start);
            problem = check.problem(answer);
        } catch (IOException e) {
            histogram.record(System.nanoTime() - start);
            problem = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        tally.requests.incrementAndGet();
        if (problem != null) {
            tally.error(problem);
        }
    }

    /** Counts shared by the threads; error samples bounded so a failing run cannot fill the heap. */
    private static final class Tally {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        private final List<String> samples = new ArrayList<>();

        void error(String problem) {
            errors.incrementAndGet();
            synchronized (samples) {
                if (samples.size() < ERROR_SAMPLES) {
                    samples.add(problem);
                }
            }
        }

        List<String> samples() {
            synchronized (samples) {
                return List.copyOf(samples);
            }
        }
    }
}
