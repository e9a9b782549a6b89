package dev.authloopback.it.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The soak: the {@code filter} row at c=32 for {@code bench.soakSeconds} in one wrk run, checked
 * like the row. It runs on the fresh server before the other rows (whose c=256 load would leave
 * more pooled threads than c=32 needs, idling out only after a minute), after a warm-up at c=32
 * that sizes the pools. Live heap after a full GC and live threads of the server JVM are taken
 * between the warm-up and the soak, and after it; flat means both end within ±10% of the start.
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

    static Result run(RowRun rows, ServerJvm server, Duration warmup, Duration length)
            throws IOException, InterruptedException {
        ServerJvm.Snapshot[] start = new ServerJvm.Snapshot[1];
        RowRun.Result row = rows.measure(Row.FILTER, BenchSettings.SOAK_CONCURRENCY, warmup, length,
                () -> start[0] = server.snapshot());
        ServerJvm.Snapshot end = server.snapshot();
        return new Result(row, start[0], end);
    }
}
