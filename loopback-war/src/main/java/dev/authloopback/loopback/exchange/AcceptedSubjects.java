package dev.authloopback.loopback.exchange;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subject tokens that passed the check, by keyed digest, until their {@code exp}: a known user's next
 * request costs one HMAC instead of a signature verification (an ES256 verify is about a millisecond
 * on a small core, ten times a whole cache hit). Nothing is weakened: the check is local either way,
 * the digest is of the whole token (a changed byte is another digest), and {@code exp} is checked
 * against the clock on every use. Bounded: when full, ended marks go, then all of them.
 */
final class AcceptedSubjects {
    static final int MAX = 100_000;

    record Accepted(long expiresAt, String sub, String sid) {
    }

    private final Clock clock;
    private final Map<String, Accepted> accepted = new ConcurrentHashMap<>();

    AcceptedSubjects(Clock clock) {
        this.clock = clock;
    }

    /** @return the claims of a token accepted before and not yet expired, else {@code null} */
    Accepted get(String digest) {
        Accepted known = accepted.get(digest);
        if (known == null) {
            return null;
        }
        if (known.expiresAt() <= clock.millis()) {
            accepted.remove(digest, known);
            return null;
        }
        return known;
    }

    void put(String digest, Accepted claims) {
        if (accepted.size() >= MAX) {
            long now = clock.millis();
            accepted.values().removeIf(a -> a.expiresAt() <= now);
            if (accepted.size() >= MAX) {
                accepted.clear();
            }
        }
        accepted.put(digest, claims);
    }
}
