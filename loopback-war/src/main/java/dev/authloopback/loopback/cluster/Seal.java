package dev.authloopback.loopback.cluster;

/**
 * How values are written into and read from the clustered tier, and how entries are named there.
 * {@link AeadSeal} with {@code cluster-key-file}; {@link PlainSeal} only when the operator opted out
 * with {@code cluster-unsealed=true}.
 */
interface Seal {

    /** The entry's name in the clustered tier for a local cache key. */
    String name(String localKey);

    /** The bytes stored for {@code plaintext} under {@code name} in {@code cache}. */
    byte[] seal(String cache, String name, byte[] plaintext);

    /** Reads stored bytes; never throws, whatever the bytes are. */
    Opening open(String cache, byte[] stored);

    /** For logs and health, never key material. */
    String describe();

    /** What {@link #open} found: the entry's name and plaintext, or why it does not open. */
    record Opening(String name, byte[] plaintext, Refusal refusal) {
        static Opening refused(Refusal refusal) {
            return new Opening(null, null, refusal);
        }

        boolean opened() {
            return refusal == null;
        }
    }
}
