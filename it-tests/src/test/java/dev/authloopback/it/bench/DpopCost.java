package dev.authloopback.it.bench;

import dev.authloopback.filter.DpopProofSigner;
import dev.authloopback.filter.internal.DpopKey;
import dev.authloopback.filter.internal.DpopNonces;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What DPoP costs per call (issue 25): the proof itself, signed by the filter jar's own
 * {@link DpopProofSigner} (ES256, the default key; header with the public JWK, {@code jti}, {@code iat},
 * {@code htm}, {@code htu}, {@code ath} of a bench-sized token), timed in this JVM on one thread before
 * the server starts; and, from the same run, the {@code dpop} row set against the {@code filter} row
 * (a proof signed by the filter plus the loopback's check of it on every HIT, req/s ÷ and p50 / p99 added).
 */
final class DpopCost {
    private static final int WARMUP_PROOFS = 1_000;
    private static final int MEASURED_PROOFS = 1_000;

    /** Microseconds per proof over {@code proofs} signed back to back. */
    record Proof(int proofs, double microsPerProof) {
        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("what", "ES256 proof signed by the filter jar's DpopProofSigner (jwk header, jti, iat, htm, htu, ath),"
                    + " driver JVM, one thread");
            map.put("proofs", proofs);
            map.put("microsPerProof", Report.round(microsPerProof));
            return map;
        }
    }

    private DpopCost() {
    }

    /** Signs {@value #WARMUP_PROOFS} proofs to let the JIT compile the path, then times {@value #MEASURED_PROOFS}. */
    static Proof measure() {
        DpopProofSigner signer = DpopProofSigner.of(DpopKey.generate(), new DpopNonces(), Clock.systemUTC(),
                BenchTokenEndpoint.token());
        URI backend = URI.create("http://127.0.0.1:8090/backend/orders");
        int sink = 0; // used below, so the JIT cannot drop the signing
        for (int i = 0; i < WARMUP_PROOFS; i++) {
            sink += signer.proof("GET", backend).length();
        }
        long begin = System.nanoTime();
        for (int i = 0; i < MEASURED_PROOFS; i++) {
            sink += signer.proof("GET", backend).length();
        }
        double micros = (System.nanoTime() - begin) / 1e3 / MEASURED_PROOFS;
        if (sink == 0) {
            throw new IllegalStateException("no proof was signed");
        }
        return new Proof(MEASURED_PROOFS, micros);
    }

    static String table(Proof proof, List<TargetRun.Result> targets, List<Integer> concurrency) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n=== dpop cost: one proof %.1f µs (ES256, signing included, %s)%n", proof.microsPerProof(),
                "driver JVM, one thread, " + proof.proofs() + " proofs"));
        for (TargetRun.Result target : targets) {
            for (int c : concurrency) {
                String cell = cell(target.row(Row.DPOP, c), target.row(Row.FILTER, c));
                if (cell != null) {
                    out.append(String.format(Locale.ROOT, "%-9s dpop ÷ filter %4d  %s%n", target.target().id(), c, cell));
                }
            }
        }
        return out.toString();
    }

    static String markdown(Proof proof, List<TargetRun.Result> targets, List<Integer> concurrency) {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "**dpop cost**: one proof %.1f µs (ES256, signing included; driver JVM, one thread, %d proofs). "
                        + "`dpop` ÷ `filter`, same run (req/s ×, +p50 / +p99 ms):%n%n| target |", proof.microsPerProof(),
                proof.proofs()));
        concurrency.forEach(c -> md.append(" c=").append(c).append(" |"));
        md.append('\n').append("| --- |").append(" ---: |".repeat(concurrency.size())).append('\n');
        for (TargetRun.Result target : targets) {
            md.append("| ").append(target.target().id()).append(" |");
            for (int c : concurrency) {
                String cell = cell(target.row(Row.DPOP, c), target.row(Row.FILTER, c));
                md.append(' ').append(cell == null ? "–" : cell).append(" |");
            }
            md.append('\n');
        }
        return md.append('\n').toString();
    }

    private static String cell(RowRun.Result dpop, RowRun.Result filter) {
        if (dpop == null || filter == null || filter.measured().requestsPerSecond() == 0 || dpop.measured().requests() == 0) {
            return null;
        }
        Wrk.Result a = dpop.measured();
        Wrk.Result b = filter.measured();
        return String.format(Locale.ROOT, "%.2f× (%,.0f vs %,.0f req/s), %+.3f / %+.2f ms%s",
                a.requestsPerSecond() / b.requestsPerSecond(), a.requestsPerSecond(), b.requestsPerSecond(),
                a.p50() - b.p50(), a.p99() - b.p99(), dpop.flagged() || filter.flagged() ? " ⚠ flagged" : "");
    }
}
