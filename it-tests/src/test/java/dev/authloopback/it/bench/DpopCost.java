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
 * {@code htm}, {@code htu}, {@code ath} of a bench-sized token) and checked as the loopback checks it,
 * timed in this JVM on one thread before the server starts; and, from the same run, the {@code dpop} row set against the {@code filter} row
 * (a proof signed by the filter plus the loopback's check of it on every HIT, req/s ÷ and p50 / p99 added).
 */
final class DpopCost {
    /** Proofs timed per step in a full run; the smoke run (no warm-up) times fewer, to stay a few seconds. */
    private static final int PROOFS = 2_000;
    private static final int SMOKE_PROOFS = 300;

    /**
     * Microseconds per proof over {@code proofs} signed back to back, and per check of one (parse, the
     * header's public jwk, its thumbprint, the ES256 signature: the costly part of the loopback's check).
     */
    record Proof(int proofs, double microsPerProof, double microsPerCheck) {
        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("what", "ES256 proof signed by the filter jar's DpopProofSigner (jwk header, jti, iat, htm, htu, ath),"
                    + " then checked (parse, jwk, thumbprint, signature) with Nimbus; driver JVM, one thread");
            map.put("proofs", proofs);
            map.put("microsPerProof", Report.round(microsPerProof));
            map.put("microsPerCheck", Report.round(microsPerCheck));
            return map;
        }
    }

    private DpopCost() {
    }

    /** Signs as many proofs as it then times (so the JIT has compiled the path), then checks them the same way. */
    static Proof measure(BenchSettings settings) {
        int proofs = settings.warmup().isZero() ? SMOKE_PROOFS : PROOFS;
        DpopProofSigner signer = DpopProofSigner.of(DpopKey.generate(), new DpopNonces(), Clock.systemUTC(),
                BenchTokenEndpoint.token());
        URI backend = URI.create("http://127.0.0.1:8090/backend/orders");
        String[] warm = new String[proofs];
        String[] timed = new String[proofs];
        for (int i = 0; i < proofs; i++) {
            warm[i] = signer.proof("GET", backend);
        }
        long begin = System.nanoTime();
        for (int i = 0; i < proofs; i++) {
            timed[i] = signer.proof("GET", backend);
        }
        double sign = (System.nanoTime() - begin) / 1e3 / proofs;
        for (String proof : warm) {
            check(proof);
        }
        begin = System.nanoTime();
        for (String proof : timed) {
            check(proof);
        }
        double check = (System.nanoTime() - begin) / 1e3 / proofs;
        return new Proof(proofs, sign, check);
    }

    private static void check(String proof) {
        try {
            com.nimbusds.jwt.SignedJWT jwt = com.nimbusds.jwt.SignedJWT.parse(proof);
            com.nimbusds.jose.jwk.ECKey jwk = (com.nimbusds.jose.jwk.ECKey) jwt.getHeader().getJWK();
            jwk.computeThumbprint();
            if (!jwt.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(jwk))) {
                throw new IllegalStateException("a proof the filter signed did not verify");
            }
        } catch (java.text.ParseException | com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("checking a proof failed", e);
        }
    }

    static String table(Proof proof, List<TargetRun.Result> targets, List<Integer> concurrency) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%n=== dpop cost: one proof %.1f µs to sign (ES256, signing included), %.1f µs to check (%s)%n",
                proof.microsPerProof(), proof.microsPerCheck(), "driver JVM, one thread, " + proof.proofs() + " proofs"));
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
                "**dpop cost**: one proof %.1f µs to sign (ES256, signing included), %.1f µs to check (driver JVM, one"
                        + " thread, %d proofs). `dpop` ÷ `filter`, same run (req/s ×, +p50 / +p99 ms):%n%n| target |",
                proof.microsPerProof(), proof.microsPerCheck(), proof.proofs()));
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
