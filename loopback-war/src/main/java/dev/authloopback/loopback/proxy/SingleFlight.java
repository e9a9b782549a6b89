package dev.authloopback.loopback.proxy;

import dev.authloopback.loopback.outcome.UpstreamFailure;

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
 *
 * <p>A waiter's bound is counted from the start of the call it joins, not from its own arrival: a
 * caller joining late waits only for what is left of that call's budget, so no waiter outlives
 * the call it shares, and a stream of late joiners cannot keep each other waiting.
 */
final class SingleFlight<T> {
    private final ConcurrentHashMap<String, Flight<T>> inFlight = new ConcurrentHashMap<>();

    /** One running call: its outcome, and when it started (monotonic nanos; reset when a queued call starts). */
    private static final class Flight<T> {
        final CompletableFuture<T> outcome = new CompletableFuture<>();
        volatile long startedNanos = System.nanoTime();
    }

    /** The shared outcome, and whether this caller made the call. */
    record Result<T>(T value, boolean led) {
    }

    /** @param waitBudget how long a call may keep its waiters, counted from the call's start */
    Result<T> run(String key, Supplier<T> call, Duration waitBudget) {
        Flight<T> mine = new Flight<>();
        Flight<T> running = inFlight.putIfAbsent(key, mine);
        if (running == null) {
            return new Result<>(lead(key, mine, call), true);
        }
        long left = waitBudget.toNanos() - (System.nanoTime() - running.startedNanos);
        return new Result<>(await(running.outcome, Math.max(0, left), waitBudget), false);
    }

    /**
     * Starts {@code call} on {@code executor} unless a call for {@code key} is already running.
     *
     * @return false when one was running or the executor refused
     */
    boolean runInBackground(String key, Supplier<T> call, Executor executor) {
        Flight<T> mine = new Flight<>();
        if (inFlight.putIfAbsent(key, mine) != null) {
            return false;
        }
        try {
            executor.execute(() -> {
                mine.startedNanos = System.nanoTime();
                try {
                    lead(key, mine, call);
                } catch (RuntimeException ignored) {
                    // The outcome is in the future for any waiter; the refresher logged it.
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            inFlight.remove(key, mine);
            mine.outcome.cancel(false);
            return false;
        }
    }

    private T lead(String key, Flight<T> mine, Supplier<T> call) {
        try {
            T value = call.get();
            mine.outcome.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.outcome.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static <T> T await(CompletableFuture<T> running, long leftNanos, Duration budget) {
        try {
            return running.get(leftNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT,
                    "a coalesced upstream call gave no outcome within " + budget + " of its start", budget.toMillis());
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
