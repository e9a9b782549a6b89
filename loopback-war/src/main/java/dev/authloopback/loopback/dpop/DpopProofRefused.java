package dev.authloopback.loopback.dpop;

/** A DPoP proof the loopback does not accept; the message names the rule, never the proof. */
public final class DpopProofRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why, as a short stable word for metrics, tests and logs. */
    public enum Reason { MISSING, MULTIPLE, MALFORMED, TYP, ALG, JWK, SIGNATURE, HTM, HTU, IAT, JTI, REPLAY, REPLAY_MEMORY_FULL }

    private final Reason reason;

    public DpopProofRefused(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
