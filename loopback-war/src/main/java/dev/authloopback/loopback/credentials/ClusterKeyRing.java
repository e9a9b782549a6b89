package dev.authloopback.loopback.credentials;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys of {@code cluster-key-file}: every key opens values sealed with it, exactly one of them
 * seals (and names) what this node writes. Immutable; {@link #toString()} shows ids and roles only.
 */
public final class ClusterKeyRing {
    /** AES-256: every key is 32 random bytes. */
    public static final int KEY_BYTES = 32;

    private final Map<String, byte[]> keys;
    private final String sealingId;

    public ClusterKeyRing(Map<String, byte[]> keys, String sealingId) {
        if (!keys.containsKey(sealingId)) {
            throw new IllegalArgumentException("the sealing key " + sealingId + " is not in the ring");
        }
        Map<String, byte[]> copy = new LinkedHashMap<>();
        keys.forEach((id, key) -> {
            if (key.length != KEY_BYTES) {
                throw new IllegalArgumentException("key " + id + " is not " + KEY_BYTES + " bytes");
            }
            copy.put(id, key.clone());
        });
        this.keys = java.util.Collections.unmodifiableMap(copy);
        this.sealingId = sealingId;
    }

    public String sealingId() {
        return sealingId;
    }

    /** Every key id, the sealing one included, in file order. */
    public List<String> ids() {
        return List.copyOf(keys.keySet());
    }

    /** A copy of a key's bytes, or {@code null} for an id the ring does not hold. */
    public byte[] key(String id) {
        byte[] key = keys.get(id);
        return key == null ? null : key.clone();
    }

    /** Same ids, same roles, same bytes: a file re-read without a change keeps the ring. */
    public boolean sameAs(ClusterKeyRing other) {
        if (other == null || !sealingId.equals(other.sealingId) || !keys.keySet().equals(other.keys.keySet())) {
            return false;
        }
        return keys.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), other.keys.get(e.getKey())));
    }

    /** For logs and health: ids and roles, never key material. */
    public String describe() {
        return "sealing with key " + sealingId + ", opening " + String.join(", ", keys.keySet());
    }

    @Override
    public String toString() {
        return "ClusterKeyRing[" + describe() + "]";
    }
}
