package dev.authloopback.it.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Heap and threads of this JVM (every server of the benchmark runs in it), taken when nothing is
 * in flight. Heap is "used after a full GC": {@link System#gc()} a few times, then
 * {@link java.lang.management.MemoryMXBean}. Threads are grouped by name with the numbers
 * replaced by {@code #}, so a pool reads as one line ({@code loopback-#}: the loopback's Jetty
 * pool, {@code loopback-refresh-#}: its refresh-ahead executor).
 */
final class MemoryProbe {

    /** Thread names of the loopback server and the loopback WAR start with this (LoopbackServer's pool name). */
    static final String LOOPBACK_THREAD_PREFIX = "loopback-";

    private MemoryProbe() {
    }

    /** One look at the JVM. {@code loopbackConnections}: open connections on the loopback's connector. */
    record Snapshot(long heapUsedBytes, int liveThreads, int loopbackThreads, int loopbackConnections,
                    Map<String, Integer> threadGroups) {

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("heapUsedAfterGcBytes", heapUsedBytes);
            map.put("heapUsedAfterGcMiB", mib(heapUsedBytes));
            map.put("liveThreads", liveThreads);
            map.put("loopbackThreads", loopbackThreads);
            map.put("loopbackConnections", loopbackConnections);
            map.put("threadGroups", threadGroups);
            return map;
        }
    }

    static Snapshot take(IntSupplier loopbackConnections) throws InterruptedException {
        long heap = heapUsedAfterGc();
        Map<String, Integer> groups = threadGroups();
        int loopbackThreads = groups.entrySet().stream()
                .filter(e -> e.getKey().startsWith(LOOPBACK_THREAD_PREFIX))
                .mapToInt(Map.Entry::getValue).sum();
        return new Snapshot(heap, ManagementFactory.getThreadMXBean().getThreadCount(), loopbackThreads,
                loopbackConnections.getAsInt(), groups);
    }

    /**
     * Samples, twice a second while load runs, the loopback's open connections and threads, keeping
     * the highest values: a leak would show as a peak above the "after" snapshot.
     */
    static final class PeakSampler implements AutoCloseable {
        private final IntSupplier connections;
        private final AtomicInteger peakConnections = new AtomicInteger();
        private final AtomicInteger peakThreads = new AtomicInteger();
        private final Thread thread;
        private volatile boolean running = true;

        private PeakSampler(IntSupplier connections) {
            this.connections = connections;
            this.thread = new Thread(this::sample, "bench-peak-sampler");
            thread.setDaemon(true);
        }

        static PeakSampler start(IntSupplier loopbackConnections) {
            PeakSampler sampler = new PeakSampler(loopbackConnections);
            sampler.thread.start();
            return sampler;
        }

        int connections() {
            return peakConnections.get();
        }

        int loopbackThreads() {
            return peakThreads.get();
        }

        private void sample() {
            while (running) {
                peakConnections.accumulateAndGet(connections.getAsInt(), Math::max);
                peakThreads.accumulateAndGet(countLoopbackThreads(), Math::max);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int countLoopbackThreads() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int count = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
            if (info != null && info.getThreadName().startsWith(LOOPBACK_THREAD_PREFIX)) {
                count++;
            }
        }
        return count;
    }

    static double mib(long bytes) {
        return Math.round(bytes / 1024.0 / 1024.0 * 100) / 100.0;
    }

    private static long heapUsedAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        // Several rounds: one collection can leave objects whose finalisation/cleaners free more.
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(250);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** {@code loopback-42} and {@code loopback-43} are one group, {@code loopback-#}; acceptors lose their connector text. */
    static String group(String threadName) {
        return threadName.replaceAll("-acceptor-.*", "-acceptor")
                .replaceAll("\\b[0-9a-f]*[0-9][0-9a-f]*\\b", "#");
    }

    private static Map<String, Integer> threadGroups() {
        Map<String, Integer> groups = new TreeMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            groups.merge(group(thread.getName()), 1, Integer::sum);
        }
        return groups;
    }
}
