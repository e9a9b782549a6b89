package dev.authloopback.loopback.dpop;

import java.net.URI;
import java.time.Clock;
import java.util.List;

/**
 * One DPoP profile's door: checks every token call's proof and remembers the upstream's nonce, and
 * says what a caller needs to sign a proof ({@link #metadataJson()}): the {@code htu} (the upstream
 * token URL, which the caller does not know), the accepted algorithms and the current nonce.
 */
public final class DpopGate {
    /** The path under a profile's token path where its DPoP metadata is published. */
    public static final String METADATA_PATH = "dpop";

    private final DpopSettings settings;
    private final DpopProofVerifier verifier;
    private final DpopNonces nonces = new DpopNonces();

    public DpopGate(DpopSettings settings, URI upstreamUrl, Clock clock) {
        this.settings = settings;
        this.verifier = new DpopProofVerifier(settings, upstreamUrl, clock, new DpopReplayGuard(settings.replayMemory()));
    }

    /** @throws DpopProofRefused when the call's proof is missing or fails a rule */
    public DpopProof check(List<String> dpopHeaders, String method) {
        return verifier.verify(dpopHeaders, method);
    }

    public DpopNonces nonces() {
        return nonces;
    }

    public List<String> algorithms() {
        return settings.algorithms();
    }

    public String htu() {
        return verifier.htu();
    }

    /** {@code {"htu":…,"dpop_signing_alg_values_supported":[…],"nonce":…}} (nonce omitted when none). */
    public String metadataJson() {
        StringBuilder json = new StringBuilder("{\"htu\":\"").append(escaped(verifier.htu()))
                .append("\",\"dpop_signing_alg_values_supported\":[");
        for (int i = 0; i < settings.algorithms().size(); i++) {
            json.append(i == 0 ? "\"" : ",\"").append(settings.algorithms().get(i)).append('"');
        }
        json.append(']');
        String nonce = nonces.current();
        if (nonce != null) {
            json.append(",\"nonce\":\"").append(escaped(nonce)).append('"');
        }
        return json.append('}').toString();
    }

    private static String escaped(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
