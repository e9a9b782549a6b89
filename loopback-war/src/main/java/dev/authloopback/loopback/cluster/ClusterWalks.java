package dev.authloopback.loopback.cluster;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Walks of the clustered tier for the operator's views (sizes, entry stats), on a thread of their
 * own: a walk caught by the server's death can block until the client's lease ends, and a health
 * probe or a scrape must not wait that long. One walk at a time, a few waiting; the caller waits at
 * most the read timeout and then falls back to the local store.
 */
final class ClusterWalks implements AutoCloseable {
    private final ExecutorService walker;
    private final Duration timeout;

    /** @param timeout how long a caller waits for a walk ({@code cluster-read-timeout}) */
    ClusterWalks(Duration timeout) {
        this.timeout = timeout;
        AtomicInteger threads = new AtomicInteger();
        this.walker = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4), r -> {
                    Thread t = new Thread(r, "loopback-cluster-walk-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Runs a walk, waiting at most the timeout.
     *
     * @return its result, or {@code null} when it failed, took too long or could not start
     */
    <T> T walk(Supplier<T> walk) {
        Future<T> running;
        try {
            running = walker.submit(walk::get);
        } catch (RejectedExecutionException e) {
            return null;
        }
        try {
            return running.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            return null;
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Interrupts a running walk; its caller has fallen back already or does so at once. */
    @Override
    public void close() {
        walker.shutdownNow();
    }
}
