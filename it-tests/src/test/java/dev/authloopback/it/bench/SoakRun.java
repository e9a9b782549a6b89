package dev.authloopback.it.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The soak: the {@code filter} row at c=32 for {@code bench.soakSeconds} in one wrk run, checked
 * like the row, with heap used after full GC and live threads of the server JVM taken before and
 * after. Flat means both end within ±10% of where they started.
 */
final class SoakRun {

    static final double FLAT = 0.10;

    record Result(RowRun.Result row, ServerJvm.Snapshot start, ServerJvm.Snapshot end) {

        double heapChange() {
            return (end.heapAfterGcBytes() - start.heapAfterGcBytes()) / (double) start.heapAfterGcBytes();
        }

        double threadChange() {
            return (end.liveThreads() - start.liveThreads()) / (double) start.liveThreads();
        }

        boolean flat() {
            return Math.abs(heapChange()) <= FLAT && Math.abs(threadChange()) <= FLAT;
        }

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("row", row.asMap());
            map.put("heapAfterGcBytes", Report.ordered("start", start.heapAfterGcBytes(), "end", end.heapAfterGcBytes()));
            map.put("liveThreads", Report.ordered("start", start.liveThreads(), "end", end.liveThreads()));
            map.put("heapChange", Report.round(heapChange()));
            map.put("threadChange", Report.round(threadChange()));
            map.put("flatWithin", FLAT);
            map.put("flat", flat());
            return map;
        }
    }

    private SoakRun() {
    }

    static Result run(RowRun rows, ServerJvm server, Duration length) throws IOException, InterruptedException {
        ServerJvm.Snapshot start = server.snapshot();
        RowRun.Result row = rows.measure(Row.FILTER, BenchSettings.SOAK_CONCURRENCY, Duration.ZERO, length);
        ServerJvm.Snapshot end = server.snapshot();
        return new Result(row, start, end);
    }
}
