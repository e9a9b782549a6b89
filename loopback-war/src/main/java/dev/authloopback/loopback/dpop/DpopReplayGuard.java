package dev.authloopback.loopback.dpop;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers each proof's {@code jti} while the proof could still be accepted (RFC 9449 §11.1), so a
 * proof is used once. Bounded: at {@code capacity} live entries, new proofs are refused rather than
 * an old {@code jti} forgotten early (forgetting would reopen a replay window).
 */
public final class DpopReplayGuard {
    private final int capacity;
    /** jkt + jti -> epoch millis after which the proof is too old anyway. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    public DpopReplayGuard(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * @param until    when the proof stops being acceptable by its age, epoch millis
     * @param nowMillis the loopback's clock
     * @throws DpopProofRefused REPLAY when this jti of this key was seen; REPLAY_MEMORY_FULL when full
     */
    public void firstUse(String jkt, String jti, long until, long nowMillis) {
        if (seen.size() >= capacity) {
            seen.values().removeIf(expiry -> expiry < nowMillis);
            if (seen.size() >= capacity) {
                throw new DpopProofRefused(DpopProofRefused.Reason.REPLAY_MEMORY_FULL,
                        "too many proofs within dpop-proof-max-age (dpop-replay-memory=" + capacity + "); try again");
            }
        }
        if (seen.putIfAbsent(jkt + ' ' + jti, until) != null) {
            throw new DpopProofRefused(DpopProofRefused.Reason.REPLAY, "the proof's jti was already used");
        }
    }

    public int size() {
        return seen.size();
    }
}
