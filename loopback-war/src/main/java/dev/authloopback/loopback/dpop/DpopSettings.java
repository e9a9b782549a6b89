package dev.authloopback.loopback.dpop;

import java.time.Duration;
import java.util.List;

/**
 * A profile's DPoP (RFC 9449) settings. Off by default: a profile that does not set {@code dpop=true}
 * keeps the Bearer behaviour exactly.
 *
 * @param enabled      {@code dpop}: every token call must carry a proof; entries are keyed by its key
 * @param algorithms   {@code dpop-algs}: JWS algorithms accepted in proofs, in the order published
 * @param proofMaxAge  {@code dpop-proof-max-age}: how old a proof's {@code iat} may be (and how long its
 *                     {@code jti} is remembered)
 * @param replayMemory {@code dpop-replay-memory}: most {@code jti}s remembered at once
 */
public record DpopSettings(boolean enabled, List<String> algorithms, Duration proofMaxAge, int replayMemory) {
    public static final List<String> DEFAULT_ALGORITHMS = List.of("ES256");
    public static final Duration DEFAULT_PROOF_MAX_AGE = Duration.ofSeconds(60);
    public static final int DEFAULT_REPLAY_MEMORY = 100_000;
    /** Algorithms a proof may use: asymmetric only (RFC 9449 §4.2: MUST NOT be none or a MAC). */
    public static final List<String> SUPPORTED_ALGORITHMS = List.of("ES256", "ES384", "ES512", "PS256", "PS384",
            "PS512", "RS256", "RS384", "RS512");
    public static final DpopSettings OFF = new DpopSettings(false, DEFAULT_ALGORITHMS, DEFAULT_PROOF_MAX_AGE,
            DEFAULT_REPLAY_MEMORY);

    public DpopSettings {
        algorithms = List.copyOf(algorithms);
    }

    public String describe() {
        return enabled ? "dpop=true dpop-algs=" + String.join(",", algorithms) + " dpop-proof-max-age=" + proofMaxAge
                + " dpop-replay-memory=" + replayMemory : "dpop=false";
    }
}
