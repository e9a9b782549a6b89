package dev.authloopback.loopback.cluster;

import java.util.Locale;

/** Why a value read from the clustered tier was not used; the {@code reason} label of its counter. */
enum Refusal {
    /** The authentication tag does not match: changed by someone without the key (or truncated). */
    TAMPERED,
    /** Sealed with a key id this node's {@code cluster-key-file} does not hold. */
    UNKNOWN_KEY,
    /** Not this format version (or not a sealed value at all, e.g. a serialized object). */
    FORMAT,
    /** Opened, but sealed for another entry: a value copied from elsewhere. */
    MOVED,
    /** Opened and in place, but older than what this node has seen or than an eviction: written back. */
    REPLAYED;

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
