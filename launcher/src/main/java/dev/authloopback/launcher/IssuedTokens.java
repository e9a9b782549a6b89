package dev.authloopback.launcher;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokens the demo token endpoint issued and until when each is valid, so the demo backend can
 * tell a real token from a made-up one (as a resource server would by checking a signature).
 * Bounded: past {@value #MAX_TOKENS} tokens the expired ones are dropped, then the whole set; a demo
 * that forgets a token answers 401 for it, which the filter's evict-on-401 already handles.
 */
final class IssuedTokens {

    static final int MAX_TOKENS = 100_000;

    private final Clock clock;
    private final Map<String, Instant> validUntil = new ConcurrentHashMap<>();

    IssuedTokens(Clock clock) {
        this.clock = clock;
    }

    void add(String token, Duration lifetime) {
        Instant now = clock.instant();
        if (validUntil.size() >= MAX_TOKENS) {
            validUntil.values().removeIf(until -> !now.isBefore(until));
            if (validUntil.size() >= MAX_TOKENS) {
                validUntil.clear();
            }
        }
        validUntil.put(token, now.plus(lifetime));
    }

    boolean isValid(String token) {
        Instant until = validUntil.get(token);
        return until != null && clock.instant().isBefore(until);
    }
}
