package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.PrometheusText;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * A healthy steady state writes nothing per HIT at INFO: 10,000 HITs from 4 threads leave the log
 * (every logger at INFO and up, the server's included) exactly as they found it, while the metrics
 * count every one of them. The one MISS before them leaves its one line.
 */
class TenThousandHitsLeaveNoLogLinesIT {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&client_id=busy&client_secret=busy-secret";
    private static final int HITS = 10_000;
    private static final int THREADS = 4;

    private final Http http = new Http();

    @Test
    void tenThousandHitsAreCountedAndLogNothingAtInfo() throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start();
             LoopbackServer loopback = LoopbackServer.builder().upstream(upstream.tokenUrl())
                     .recordExchanges(false).start();
             LogCapture logs = LogCapture.start(Level.INFO, "dev.authloopback")) {
            Http.Answer miss = http.post(loopback.tokenUrl(), FORM, BODY);
            List<String> afterMiss = logs.lines();

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<List<String>>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                work.add(pool.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    for (int i = 0; i < HITS / THREADS; i++) {
                        Http.Answer hit = http.post(loopback.tokenUrl(), FORM, BODY);
                        if (hit.status() != 200 || !"HIT".equals(hit.header("X-Loopback-Cache"))) {
                            wrong.add(hit.toString());
                        }
                    }
                    return wrong;
                }));
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(5, TimeUnit.MINUTES), "10,000 HITs did not finish in 5 minutes");
            List<String> wrong = new ArrayList<>();
            for (Future<List<String>> f : work) {
                wrong.addAll(f.get());
            }
            List<String> afterHits = logs.lines();
            PrometheusText.Scrape scrape = PrometheusText.parse(http.get(loopback.url("/admin/metrics")).body());

            assertEquals("MISS", miss.header("X-Loopback-Cache"), miss::toString);
            assertEquals(List.of(), wrong.subList(0, Math.min(5, wrong.size())), "answers that were not a HIT");
            assertEquals(1, afterMiss.stream().filter(l -> l.contains("cache=MISS")).count(), () -> String.join("\n", afterMiss));
            assertEquals(afterMiss, afterHits, () -> "log lines written during 10,000 HITs:\n"
                    + String.join("\n", afterHits.subList(afterMiss.size(), afterHits.size())));
            // A request the JDK client repeated after closing its own connection under it (Http.repeats())
            // may have been answered the first time too: each repeat may add one HIT, never more.
            double counted = scrape.value("loopback_answers_total", "profile", "default", "cache", "HIT");
            assertTrue(counted >= HITS && counted <= HITS + http.repeats(),
                    "HITs counted " + counted + ", requests " + HITS + " + " + http.repeats() + " repeated");
            assertEquals(1, upstream.callCount());
        }
    }
}
