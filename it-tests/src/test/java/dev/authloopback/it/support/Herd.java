package dev.authloopback.it.support;

import dev.authloopback.testsupport.http.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntFunction;

/**
 * Fires {@code size} requests at once from real threads: all wait at one start gate, then go.
 * Waits are bounded; a request that fails or does not finish in time is reported, never ignored.
 */
public final class Herd {

    private Herd() {
    }

    /** The herd's outcome: answers in request order, and the wall time from gate to last answer. */
    public record Outcome(List<Http.Answer> answers, Duration wallTime) {
    }

    public static Outcome run(int size, Duration timeout, IntFunction<Http.Answer> request) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(size);
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(size);
        AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(size);
        List<Thread> threads = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int index = i;
            Thread thread = new Thread(() -> {
                ready.countDown();
                try {
                    if (gate.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        results.set(index, request.apply(index));
                    } else {
                        results.set(index, new IllegalStateException("start gate never opened"));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    results.set(index, e);
                } catch (RuntimeException e) {
                    results.set(index, e);
                } finally {
                    done.countDown();
                }
            }, "herd-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("herd threads did not start within " + timeout);
        }
        long start = System.nanoTime();
        gate.countDown();
        boolean finished = done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        if (!finished) {
            threads.forEach(Thread::interrupt);
            throw new AssertionError("herd of " + size + " did not finish within " + timeout
                    + "; unfinished: " + (size - (size - done.getCount())));
        }
        List<Http.Answer> answers = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Object result = results.get(i);
            if (result instanceof Throwable failure) {
                throw new AssertionError("herd request " + i + " failed: " + failure, failure);
            }
            answers.add((Http.Answer) result);
        }
        return new Outcome(answers, wall);
    }
}
