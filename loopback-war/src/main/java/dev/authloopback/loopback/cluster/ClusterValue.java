package dev.authloopback.loopback.cluster;

import java.util.Arrays;
import java.util.Objects;

/**
 * A value of the clustered tier as this node holds it: opened (the entry's name and the value), or
 * not opened (only the stored bytes and why). Ehcache compares values for its conditional
 * operations ({@code putIfAbsent}, {@code replace(k, old, new)}, {@code remove(k, v)}) by
 * {@code equals} on values it decoded through {@link SealedSerializer}: sealing is randomised, so
 * opened values are equal by name and value, never by their bytes; values that do not open are
 * equal by their bytes, so one can be replaced exactly.
 *
 * <p>{@code vetted} marks a value this node has checked against replays (or made itself): the heap
 * tier hands back the same object on every hit, and it is not checked again.
 */
final class ClusterValue<V> {
    private final String name;
    private final V value;
    private final Refusal refusal;
    private volatile byte[] stored;
    private volatile boolean vetted;

    private ClusterValue(String name, V value, Refusal refusal, byte[] stored, boolean vetted) {
        this.name = name;
        this.value = value;
        this.refusal = refusal;
        this.stored = stored;
        this.vetted = vetted;
    }

    /** A value this node writes: sealed when it is first serialized. */
    static <V> ClusterValue<V> of(String name, V value) {
        return new ClusterValue<>(Objects.requireNonNull(name), Objects.requireNonNull(value), null, null, true);
    }

    static <V> ClusterValue<V> opened(String name, V value, byte[] stored) {
        return new ClusterValue<>(name, value, null, stored, false);
    }

    /** Bytes that do not open: written back as they are, only ever to replace or remove them. */
    static <V> ClusterValue<V> unopenable(byte[] stored, Refusal refusal) {
        return new ClusterValue<>(null, null, Objects.requireNonNull(refusal), stored.clone(), false);
    }

    String name() {
        return name;
    }

    V value() {
        return value;
    }

    /** {@code null} when opened. */
    Refusal refusal() {
        return refusal;
    }

    boolean opened() {
        return refusal == null;
    }

    boolean vetted() {
        return vetted;
    }

    void vet() {
        vetted = true;
    }

    /** The bytes as stored (a copy), or {@code null} before this node's own value was first sealed. */
    byte[] stored() {
        byte[] bytes = stored;
        return bytes == null ? null : bytes.clone();
    }

    void sealedAs(byte[] bytes) {
        stored = bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof ClusterValue<?> that) || opened() != that.opened()) {
            return false;
        }
        return opened() ? name.equals(that.name) && value.equals(that.value) : Arrays.equals(stored, that.stored);
    }

    @Override
    public int hashCode() {
        return opened() ? Objects.hash(name, value) : Arrays.hashCode(stored);
    }

    @Override
    public String toString() {
        return opened() ? "ClusterValue[" + value + "]" : "ClusterValue[does not open: " + refusal.label() + "]";
    }
}
