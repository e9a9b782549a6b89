package dev.authloopback.loopback.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The cluster's index of one user ({@code sub}) or IdP session ({@code sid}) of an exchange profile:
 * the keys of the entries any node stored from that subject's tokens, each with the time its entry
 * ends. A back-channel logout received by one node takes it and evicts those entries, wherever they
 * were stored. Bounded: ended keys are dropped on each write, and beyond {@link #MAX_KEYS} the
 * soonest-ending go (a user with that many live exchanged tokens is an attack, not a user).
 *
 * @param keys the indexed entries, never more than {@link #MAX_KEYS}
 */
record SubjectKeys(List<Key> keys) {
    static final int MAX_KEYS = 64;
    static final SubjectKeys NONE = new SubjectKeys(List.of());

    SubjectKeys {
        keys = List.copyOf(keys);
    }

    /** This index with {@code key} (ending at {@code endsAt}) in it, and without what ended by {@code now}. */
    SubjectKeys with(String key, long endsAt, long now) {
        List<Key> next = new ArrayList<>(keys.size() + 1);
        for (Key held : keys) {
            if (held.endsAt() > now && !held.key().equals(key)) {
                next.add(held);
            }
        }
        next.add(new Key(key, endsAt));
        if (next.size() > MAX_KEYS) {
            next.sort(Comparator.comparingLong(Key::endsAt).reversed());
            next = next.subList(0, MAX_KEYS);
        }
        return new SubjectKeys(next);
    }

    /** When the last indexed entry ends: the index is of no use after that. */
    long endsAt() {
        return keys.stream().mapToLong(Key::endsAt).max().orElse(0);
    }

    List<String> names() {
        return keys.stream().map(Key::key).toList();
    }

    /** One indexed entry: its local key and the time it ends. */
    record Key(String key, long endsAt) {
    }
}
