package dev.authloopback.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The test-side exposition parser reads what the format allows and rejects what Prometheus rejects. */
class PrometheusTextTest {

    @Test
    void readsCountersGaugesAndHistogramsWithEscapedLabels() {
        PrometheusText.Scrape scrape = PrometheusText.parse("""
                # HELP loopback_answers_total Answers\\\\by status
                # TYPE loopback_answers_total counter
                loopback_answers_total{cache="HIT",profile="default"} 5.0
                loopback_answers_total{profile="default",cache="MISS"} 2
                # TYPE temperature gauge
                temperature{where="a \\"quoted\\" \\n value",} -1.5e1 1700000000000
                # TYPE latency_seconds histogram
                latency_seconds_bucket{le="0.1"} 1
                latency_seconds_bucket{le="+Inf"} 3
                latency_seconds_sum 0.42
                latency_seconds_count 3
                untyped_thing NaN
                """);

        assertEquals(5.0, scrape.value("loopback_answers_total", "profile", "default", "cache", "HIT"));
        assertEquals(2.0, scrape.value("loopback_answers_total", "cache", "MISS", "profile", "default"));
        assertEquals("Answers\\by status", scrape.families().get("loopback_answers_total").help());
        assertEquals(-15.0, scrape.value("temperature", "where", "a \"quoted\" \n value"));
        assertEquals(3.0, scrape.value("latency_seconds_bucket", "le", "+Inf"));
        assertEquals(3, scrape.families().get("latency_seconds").samples().size() - 1);
        assertEquals("histogram", scrape.families().get("latency_seconds").type());
        assertTrue(Double.isNaN(scrape.value("untyped_thing")));
        assertEquals("untyped", scrape.families().get("untyped_thing").type());
    }

    @Test
    void anAbsentSeriesNamesTheSeriesThatExist() {
        PrometheusText.Scrape scrape = PrometheusText.parse("x{a=\"1\"} 1\n");
        AssertionError e = assertThrows(AssertionError.class, () -> scrape.value("x", "a", "2"));
        assertTrue(e.getMessage().contains("[{a=1}]"), e.getMessage());
    }

    @Test
    void rejectsWhatPrometheusRejects() {
        String[] bad = {
            "x{a=\"1\" 1\n",                                   // unclosed label set
            "x{a=1} 1\n",                                      // unquoted label value
            "x 1 2 3\n",                                       // too many fields
            "x one\n",                                         // not a number
            "x{a=\"1\"} 1\nx{a=\"1\"} 2\n",                   // repeated series
            "# TYPE x counter\n# TYPE x gauge\nx 1\n",         // second TYPE
            "# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n", // sample outside its family
            "# TYPE x nonsense\nx 1\n",                        // unknown type
            "9x 1\n",                                          // bad metric name
        };
        for (String text : bad) {
            assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(text), text);
        }
    }
}
