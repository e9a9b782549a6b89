package dev.authloopback.loopback.dpop;

/**
 * A proof the loopback checked (RFC 9449 §4.3). The compact proof is a credential for a few seconds:
 * never logged; {@link #toString()} shows the key thumbprint only.
 *
 * @param jkt   the RFC 7638 SHA-256 thumbprint of the proof's public key: what tokens are bound to
 * @param proof the compact JWS, forwarded upstream on a MISS
 */
public record DpopProof(String jkt, String proof) {
    public DpopProof {
        if (jkt == null || jkt.isEmpty()) {
            throw new IllegalArgumentException("jkt must not be empty");
        }
        if (proof == null || proof.isEmpty()) {
            throw new IllegalArgumentException("proof must not be empty");
        }
    }

    @Override
    public String toString() {
        return "DpopProof[jkt=" + jkt + "]";
    }
}
