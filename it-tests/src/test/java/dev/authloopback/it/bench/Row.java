package dev.authloopback.it.bench;

import dev.authloopback.it.bench.BenchBase.BusinessContext;
import dev.authloopback.testsupport.http.Http;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The throughput rows, each measured with wrk at every concurrency against one server, side by
 * side. Each row knows its request, the row its ratios are taken against, the server counters
 * that prove its answers were right, and one primed request that warms it and checks one answer
 * in full.
 */
enum Row {
    FLOOR("floor", "bare servlet answering the token POST with a fixed token-sized JSON"),
    HIT("hit", "loopback.war token POST, warm (cache HIT)"),
    NONE("none", "business servlet (BearerEchoServlet), no token step"),
    FILTER("filter", "same servlet behind BearerTokenFilter -> loopback (HIT), local-ttl=0"),
    NEAR("near", "same with the filter's local-ttl=5m (near cache)"),
    BEFORE("before", "same, token-url = a token endpoint taking ~50 ms (no loopback)"),
    OBO("obo", "same servlet, filter on-behalf-of -> loopback exchange profile, a known user (HIT), local-ttl=0"),
    DPOP("dpop", "same servlet, filter in DPoP mode -> loopback DPoP profile (HIT, proof signed and checked per call), local-ttl=0");

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CACHE_HEADER = "X-Loopback-Cache";

    final String id;
    final String title;

    Row(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /** The row whose figures this row's ratios divide by; {@code null} for the two baselines. */
    Row baseline() {
        return switch (this) {
            case HIT -> FLOOR;
            case FILTER, NEAR, BEFORE, OBO, DPOP -> NONE;
            case FLOOR, NONE -> null;
        };
    }

    Wrk.Request request(BenchBase base) {
        return switch (this) {
            case FLOOR -> Wrk.Request.post(base.floorUrl(), FORM, BenchBase.tokenBody());
            case HIT -> Wrk.Request.post(base.loopbackUrl(), FORM, BenchBase.tokenBody());
            case NONE -> Wrk.Request.get(base.businessUrl(BusinessContext.SAMPLE_APP, BenchBase.PLAIN_ECHO));
            case FILTER -> Wrk.Request.get(base.businessUrl(BusinessContext.SAMPLE_APP, BenchBase.FILTERED_ECHO));
            case NEAR -> Wrk.Request.get(base.businessUrl(BusinessContext.SAMPLE_NEAR, BenchBase.FILTERED_ECHO));
            case BEFORE -> Wrk.Request.get(base.businessUrl(BusinessContext.SAMPLE_BEFORE, BenchBase.FILTERED_ECHO));
            case OBO -> new Wrk.Request("GET", base.businessUrl(BusinessContext.SAMPLE_OBO, BenchBase.FILTERED_ECHO), null,
                    Map.of("Authorization", "Bearer " + base.userToken()));
            case DPOP -> Wrk.Request.get(base.businessUrl(BusinessContext.SAMPLE_DPOP, BenchBase.FILTERED_ECHO));
        };
    }

    List<ServerCounters.Source> sources() {
        return switch (this) {
            case FLOOR -> List.of(new ServerCounters.Floor());
            case HIT -> List.of(new ServerCounters.Loopback(), new ServerCounters.Upstream());
            case NONE -> List.of(new ServerCounters.Echo(BusinessContext.SAMPLE_APP, false));
            case FILTER -> List.of(new ServerCounters.Echo(BusinessContext.SAMPLE_APP, true), new ServerCounters.Loopback(),
                    new ServerCounters.Upstream());
            case NEAR -> List.of(new ServerCounters.Echo(BusinessContext.SAMPLE_NEAR, true), new ServerCounters.Loopback(),
                    new ServerCounters.Upstream());
            case BEFORE -> List.of(new ServerCounters.Echo(BusinessContext.SAMPLE_BEFORE, true), new ServerCounters.Upstream());
            case OBO -> List.of(new ServerCounters.Echo(BusinessContext.SAMPLE_OBO, true), new ServerCounters.Loopback(),
                    new ServerCounters.Upstream());
            case DPOP -> List.of(new ServerCounters.Echo(BusinessContext.SAMPLE_DPOP, true), new ServerCounters.Loopback(),
                    new ServerCounters.Upstream());
        };
    }

    /**
     * A counter that grows by one per answered request and can be read without side effects (a
     * filtered echo's counts cost a loopback HIT or a token call per read): the one to poll until
     * the server has answered what wrk left in flight.
     */
    String settleCounter() {
        return switch (this) {
            case FLOOR -> "floor.answered";
            case HIT, FILTER -> "loopback.default.HIT";
            case NONE -> "sample-app.echo-plain.withoutBearer";
            case NEAR -> "sample-near.echo.withBearer"; // answered from the near cache: no loopback call
            case BEFORE -> "upstream.BEFORE";
            case OBO -> "loopback.obo.HIT";
            case DPOP -> "loopback." + BenchBase.DPOP_PROFILE + ".HIT";
        };
    }

    ServerCounters.Source settleSource() {
        return switch (this) {
            case FLOOR -> new ServerCounters.Floor();
            case HIT, FILTER -> new ServerCounters.Loopback();
            case NONE -> new ServerCounters.Echo(BusinessContext.SAMPLE_APP, false);
            case NEAR -> new ServerCounters.Echo(BusinessContext.SAMPLE_NEAR, true);
            case BEFORE -> new ServerCounters.Upstream();
            case OBO, DPOP -> new ServerCounters.Loopback();
        };
    }

    /**
     * What the counters must show after wrk completed {@code answered} requests (warm-up included).
     * {@code slack}: requests wrk had in flight when it stopped (answered by the server, not counted
     * by wrk), plus the counter reads' own requests.
     */
    Verdict check(Map<String, Long> delta, long answered, long slack) {
        Expect expect = new Expect(delta, answered, slack);
        switch (this) {
            case FLOOR -> expect.answered("floor.answered");
            case HIT -> {
                expect.answered("loopback.default.HIT");
                expect.noneOtherThanHit("default");
                expect.zero("upstream.TOKEN");
            }
            case NONE -> {
                expect.answered("sample-app.echo-plain.withoutBearer");
                expect.zero("sample-app.echo-plain.withBearer");
            }
            case FILTER -> {
                expect.answered("sample-app.echo.withBearer");
                expect.zero("sample-app.echo.withoutBearer");
                // near cache off: every business request is one loopback HIT
                expect.answered("loopback.default.HIT");
                expect.noneOtherThanHit("default");
                expect.zero("upstream.TOKEN");
            }
            case NEAR -> {
                expect.answered("sample-near.echo.withBearer");
                expect.zero("sample-near.echo.withoutBearer");
                // the near cache answers; the loopback (its own profile) sees at most a refresh
                expect.atMost("loopback.near.HIT", 2);
                expect.noneOtherThanHit("near");
                expect.zero("upstream.TOKEN");
            }
            case BEFORE -> {
                expect.answered("sample-before.echo.withBearer");
                expect.zero("sample-before.echo.withoutBearer");
                // every business request is one call to the slow token endpoint
                expect.answered("upstream.BEFORE");
            }
            case OBO -> {
                expect.answered("sample-obo.echo.withBearer");
                // near cache off: every business request is one loopback HIT for the known user; no exchange
                expect.answered("loopback.obo.HIT");
                expect.noneOtherThanHit("obo");
                expect.zero("upstream.OBO");
            }
            case DPOP -> {
                // the echo counts an Authorization: DPoP <token> as a token (BearerEchoServlet)
                expect.answered("sample-dpop.echo.withBearer");
                expect.zero("sample-dpop.echo.withoutBearer");
                // near cache off: every business request is one loopback HIT carrying a proof the loopback checked
                expect.answered("loopback." + BenchBase.DPOP_PROFILE + ".HIT");
                expect.noneOtherThanHit(BenchBase.DPOP_PROFILE);
                expect.zero("upstream.DPOP");
            }
        }
        return new Verdict(List.copyOf(expect.problems), Map.copyOf(expect.checked));
    }

    /** What the check found wrong, and the counter deltas it looked at (for the report). */
    record Verdict(List<String> problems, Map<String, Long> counters) {
    }

    /**
     * One request before the row's counters are read: fills the caches a warm row relies on (the
     * loopback's entry, the filter's near cache) and checks one answer in full. Returns the problem, or null.
     */
    String prime(Http http, BenchBase base) {
        Wrk.Request request = request(base);
        Http.Answer answer = request.method().equals("POST")
                ? http.post(request.url(), FORM, request.body(), "Accept", "application/json")
                : this == OBO ? http.send(java.net.http.HttpRequest.newBuilder(request.url())
                        .header("Authorization", "Bearer " + base.userToken()).GET())
                : http.get(request.url());
        String expected = switch (this) {
            case FLOOR, HIT -> null;
            case NONE -> "{\"bearer\":false}";
            case FILTER, NEAR, BEFORE, OBO, DPOP -> "{\"bearer\":true}";
        };
        if (answer.status() != 200) {
            return id + ": primed request answered " + answer;
        }
        if (expected != null && !expected.equals(answer.body())) {
            return id + ": primed request answered " + answer.body() + ", expected " + expected;
        }
        if ((this == FLOOR || this == HIT) && answer.body().length() != BenchTokenEndpoint.ANSWER_BYTES) {
            return id + ": primed answer has " + answer.body().length() + " bytes, expected " + BenchTokenEndpoint.ANSWER_BYTES;
        }
        if (this == HIT) {
            // the first one may be the warming MISS; the row's own requests must all be HITs
            Http.Answer again = http.post(request.url(), FORM, request.body(), "Accept", "application/json");
            if (again.status() != 200 || !"HIT".equals(again.header(CACHE_HEADER))) {
                return id + ": second primed request is not a HIT: " + again.status() + " " + CACHE_HEADER + ": "
                        + again.header(CACHE_HEADER);
            }
        }
        return null;
    }

    /** Collects what the counters got wrong. */
    private static final class Expect {
        private final Map<String, Long> delta;
        private final long answered;
        private final long slack;
        private final List<String> problems = new ArrayList<>();
        private final Map<String, Long> checked = new java.util.TreeMap<>();

        Expect(Map<String, Long> delta, long answered, long slack) {
            this.delta = delta;
            this.answered = answered;
            this.slack = slack;
        }

        void answered(String counter) {
            long value = value(counter);
            if (value < answered || value > answered + slack) {
                problems.add(counter + " grew by " + value + ", expected " + answered + " (wrk's answered requests) to "
                        + (answered + slack));
            }
        }

        void zero(String counter) {
            atMost(counter, 0);
        }

        void atMost(String counter, long max) {
            long value = value(counter);
            if (value > max) {
                problems.add(counter + " grew by " + value + ", expected at most " + max);
            }
        }

        void noneOtherThanHit(String profile) {
            for (String status : ServerCounters.CACHE_STATUSES) {
                if (!status.equals("HIT")) {
                    zero("loopback." + profile + "." + status);
                }
            }
        }

        private long value(String counter) {
            Long value = delta.get(counter);
            if (value == null) {
                problems.add(counter + " was not read");
                return 0;
            }
            checked.put(counter, value);
            return value;
        }
    }
}
