package dev.authloopback.it.bench;

import dev.authloopback.testsupport.http.Http;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures one {@link Row} at one concurrency: a primed request, the row's counters, wrk's warm-up
 * run (discarded), wrk's measured run, a wait until the server has answered what wrk left in
 * flight, the counters again; then the checks. A row with wrk errors, non-2xx answers or counters
 * that do not add up is flagged.
 */
final class RowRun {

    /**
     * Longest wait for in-flight requests to be answered after wrk stopped: well over the filter's
     * read timeout (10 s in the sample), after which a stuck business request is answered 503 and
     * the loopback calls queued behind it drain.
     */
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

    /** One row at one concurrency. {@code warmup} is null when there was no warm-up run. */
    record Result(Row row, int concurrency, Wrk.Result measured, Wrk.Result warmup, Map<String, Long> counterDeltas,
                  List<String> problems) {

        boolean flagged() {
            return !problems.isEmpty();
        }

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("row", row.id);
            map.put("title", row.title);
            map.put("concurrency", concurrency);
            map.put("wrk", measured.asMap());
            if (warmup != null) {
                map.put("warmup", Report.ordered("requests", warmup.requests(), "seconds", Report.round(warmup.seconds()),
                        "socketErrors", warmup.socketErrors(), "non2xx", warmup.non2xx()));
            }
            map.put("serverCounterDeltas", new java.util.TreeMap<>(counterDeltas));
            map.put("flagged", flagged());
            map.put("problems", problems);
            return map;
        }
    }

    private final BenchSettings settings;
    private final BenchBase base;
    private final ServerCounters counters;
    private final Http http;
    private final Path scriptDir;

    RowRun(BenchSettings settings, BenchBase base, ServerCounters counters, Http http, Path scriptDir) {
        this.settings = settings;
        this.base = base;
        this.counters = counters;
        this.http = http;
        this.scriptDir = scriptDir;
    }

    /** Something to do between the warm-up run and the measured run (the soak's first snapshot). */
    @FunctionalInterface
    interface BetweenRuns {
        void run() throws IOException;
    }

    Result measure(Row row, int concurrency) throws IOException, InterruptedException {
        return measure(row, concurrency, settings.warmup(), settings.measure(), () -> { });
    }

    Result measure(Row row, int concurrency, Duration warmupTime, Duration measureTime, BetweenRuns betweenRuns)
            throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        try {
            String primed = row.prime(http, base);
            if (primed != null) {
                problems.add(primed);
            }
        } catch (RuntimeException e) {
            problems.add("primed request failed: " + e.getMessage());
        }
        Map<String, Long> before = read(row, "before the run", problems);
        Wrk.Request request = row.request(base);
        Wrk.Result warmup = warmupTime.isZero() ? null
                : Wrk.run(scriptDir, request, concurrency, settings.wrkThreads(), warmupTime);
        betweenRuns.run();
        Wrk.Result measured = Wrk.run(scriptDir, request, concurrency, settings.wrkThreads(), measureTime);
        settle(row);
        Map<String, Long> after = read(row, "after the run", problems);
        Map<String, Long> delta = before == null || after == null ? Map.of() : ServerCounters.delta(before, after);

        long answered = measured.requests() + (warmup == null ? 0 : warmup.requests());
        long runs = warmup == null ? 1 : 2;
        for (Wrk.Result run : warmup == null ? List.of(measured) : List.of(warmup, measured)) {
            String which = run == measured ? "measured run" : "warm-up run";
            if (run.socketErrors() > 0) {
                problems.add(which + ": wrk socket errors: connect " + run.connectErrors() + ", read " + run.readErrors()
                        + ", write " + run.writeErrors() + ", timeout " + run.timeouts());
            }
            if (run.non2xx() > 0) {
                problems.add(which + ": " + run.non2xx() + " non-2xx answers");
            }
        }
        if (measured.requests() == 0) {
            problems.add("measured run: no request answered");
        }
        // wrk stops with up to one request in flight per connection per run; the reads add one more.
        Row.Verdict verdict = row.check(delta, answered, runs * concurrency + 2);
        if (!delta.isEmpty()) {
            problems.addAll(verdict.problems());
        }
        return new Result(row, concurrency, measured, warmup, verdict.counters(), List.copyOf(problems));
    }

    /** The row's counters, or null (and a problem) when the server could not answer for them. */
    private Map<String, Long> read(Row row, String when, List<String> problems) throws InterruptedException {
        try {
            return counters.read(row.sources());
        } catch (IOException e) {
            problems.add("could not read the server's counters " + when + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * Waits (bounded) until the row's answered-count stops moving, i.e. the server finished what wrk
     * left in flight, plus a short margin for the last answers' remaining counters.
     */
    private void settle(Row row) throws InterruptedException {
        List<ServerCounters.Source> source = List.of(row.settleSource());
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            try {
                long now = counters.read(source).get(row.settleCounter());
                if (now == last) {
                    break;
                }
                last = now;
            } catch (IOException e) {
                last = -1; // a starved server cannot answer yet; it is not settled
            }
            Thread.sleep(100);
        }
        Thread.sleep(100);
    }
}
