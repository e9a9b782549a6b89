package dev.authloopback.loopback.memory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InFlightBytesTest {

    @Test
    void aReservationThatDoesNotFitIsRefusedAndOneReleasedTwiceGivesItsBytesBackOnce() {
        InFlightBytes budget = new InFlightBytes(1000);
        Reservation a = budget.tryReserve(600);
        assertNotNull(a);
        assertNull(budget.tryReserve(401), "600 + 401 > 1000");
        Reservation b = budget.tryReserve(400);
        assertNotNull(b);
        assertEquals(1000, budget.held());

        a.close();
        a.close();
        assertEquals(400, budget.held());
        assertTrue(b.grow(600));
        assertFalse(b.grow(1), "full");
        assertEquals(1000, b.bytes());
        b.close();
        assertEquals(0, budget.held());
        assertFalse(b.grow(10), "a released reservation holds nothing more");
        assertEquals(0, budget.held());
    }

    @Test
    void concurrentReservationsNeverHoldMoreThanTheLimitAndAllComeBack() throws Exception {
        InFlightBytes budget = new InFlightBytes(10_000);
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        AtomicLong highest = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    if (!start.await(30, TimeUnit.SECONDS)) {
                        return;
                    }
                    for (int i = 0; i < 20_000; i++) {
                        Reservation r = budget.tryReserve(700 + i % 900);
                        if (r == null) {
                            refused.incrementAndGet();
                            continue;
                        }
                        if (!r.grow(300)) {
                            refused.incrementAndGet();
                        }
                        highest.accumulateAndGet(budget.held(), Math::max);
                        r.close();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
            started.add(thread);
            thread.start();
        }
        start.countDown();
        assertTrue(done.await(60, TimeUnit.SECONDS));
        assertNull(failure.get());
        assertTrue(highest.get() <= 10_000, "highest " + highest.get());
        assertEquals(0, budget.held());
    }
}
