package dev.authloopback.it.bench;

/**
 * Latencies in nanoseconds, in a fixed array allocated up front: exact below 2,048 ns, then 1,024
 * buckets per power of two (relative error under 0.1 %), up to about 70 minutes. Fixed size on
 * purpose: the steady phase must not grow the heap it is measuring. One per client thread (not
 * thread-safe), merged after the threads are joined.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 10;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_BIT = 41;
    private static final long MAX_VALUE = (1L << (MAX_BIT + 1)) - 1;

    private final long[] counts = new long[(MAX_BIT - SUB_BITS + 2) * SUB];
    private long total;
    private long sum;
    private long max;

    void record(long nanos) {
        long value = Math.min(Math.max(nanos, 0), MAX_VALUE);
        counts[index(value)]++;
        total++;
        sum += value;
        max = Math.max(max, value);
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        max = Math.max(max, other.max);
    }

    long count() {
        return total;
    }

    /** The value at quantile {@code q} (0 < q <= 1) in milliseconds; 0 when empty. */
    double percentileMillis(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(middleOf(i), max) / 1e6;
            }
        }
        return max / 1e6;
    }

    double meanMillis() {
        return total == 0 ? 0 : (double) sum / total / 1e6;
    }

    double maxMillis() {
        return max / 1e6;
    }

    private static int index(long value) {
        if (value < 2 * SUB) {
            return (int) value;
        }
        int shift = (63 - Long.numberOfLeadingZeros(value)) - SUB_BITS;
        return (shift + 1) * SUB + (int) (value >> shift) - SUB;
    }

    private static long middleOf(int index) {
        if (index < 2 * SUB) {
            return index;
        }
        int shift = index / SUB - 1;
        long low = (long) (index % SUB + SUB) << shift;
        return low + (1L << shift) / 2;
    }
}
