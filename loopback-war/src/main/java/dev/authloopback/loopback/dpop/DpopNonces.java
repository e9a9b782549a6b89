package dev.authloopback.loopback.dpop;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The upstream's current {@code DPoP-Nonce} (RFC 9449 §8) for one profile: the last one it sent.
 * Published to callers so their next proof carries it; the upstream checks it, not the loopback.
 */
public final class DpopNonces {
    private final AtomicReference<String> current = new AtomicReference<>();

    public void remember(String nonce) {
        if (nonce != null && !nonce.isBlank() && nonce.length() <= 512 && nonce.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            current.set(nonce);
        }
    }

    /** @return the nonce to use, or {@code null} when the upstream has not asked for one */
    public String current() {
        return current.get();
    }
}
