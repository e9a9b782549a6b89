package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.upstream.UpstreamFailure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * At most one upstream call per key at a time. The first caller (the leader) runs the call on its
 * own thread; concurrent callers for the same key wait, bounded, and share its outcome, errors
 * included. Different keys never wait for each other: there is no global lock.
 */
final class SingleFlight<T> {
    private final ConcurrentHashMap<String, CompletableFuture<T>> inFlight = new ConcurrentHashMap<>();

    /** The shared outcome, and whether this caller made the call. */
    record Result<T>(T value, boolean led) {
    }

    Result<T> run(String key, Supplier<T> call, Duration waitBudget) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        CompletableFuture<T> running = inFlight.putIfAbsent(key, mine);
        if (running == null) {
            return new Result<>(lead(key, mine, call), true);
        }
        return new Result<>(await(running, waitBudget), false);
    }

    /**
     * Starts {@code call} on {@code executor} unless a call for {@code key} is already running.
     *
     * @return false when one was running or the executor refused
     */
    boolean runInBackground(String key, Supplier<T> call, Executor executor) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        if (inFlight.putIfAbsent(key, mine) != null) {
            return false;
        }
        try {
            executor.execute(() -> {
                try {
                    lead(key, mine, call);
                } catch (RuntimeException ignored) {
                    // The outcome is in the future for any waiter; the refresher logged it.
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            inFlight.remove(key, mine);
            mine.cancel(false);
            return false;
        }
    }

    private T lead(String key, CompletableFuture<T> mine, Supplier<T> call) {
        try {
            T value = call.get();
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static <T> T await(CompletableFuture<T> running, Duration budget) {
        try {
            return running.get(budget.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT,
                    "waited " + budget + " for a coalesced upstream call", budget.toMillis());
        } catch (java.util.concurrent.CancellationException e) {
            throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, "coalesced upstream call was cancelled", 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, "interrupted while waiting for upstream", 0);
        }
    }

    int size() {
        return inFlight.size();
    }
}
