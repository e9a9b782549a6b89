package dev.authloopback.filter.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The optional in-process cache in front of the loopback ({@code local-ttl}). A filter always sends
 * the same token request, so one entry is all there is. An entry is fresh for
 * min(local-ttl, expires_in − min(60s, expires_in / 10)), the loopback's own skew rule, so it never
 * outlives the token.
 */
public final class NearCache implements TokenSource {

    static final Duration MAX_SKEW = Duration.ofSeconds(60);

    private record Entry(Token token, Instant freshUntil) {
    }

    private final TokenSource delegate;
    private final Duration localTtl;
    private final Clock clock;
    private final AtomicReference<Entry> entry = new AtomicReference<>();

    public NearCache(TokenSource delegate, Duration localTtl, Clock clock) {
        if (delegate == null) {
            throw new IllegalArgumentException("delegate must not be null");
        }
        if (localTtl == null || localTtl.isNegative() || localTtl.isZero()) {
            throw new IllegalArgumentException("localTtl must be > 0");
        }
        if (clock == null) {
            throw new IllegalArgumentException("clock must not be null");
        }
        this.delegate = delegate;
        this.localTtl = localTtl;
        this.clock = clock;
    }

    @Override
    public Token token() throws TokenUnavailableException {
        Entry current = entry.get();
        if (current != null && clock.instant().isBefore(current.freshUntil())) {
            return current.token();
        }
        // Concurrent misses each ask the loopback; it coalesces them, so no lock is needed here.
        Token token = delegate.token();
        Instant freshUntil = token.fetchedAt().plus(freshFor(token, localTtl));
        if (freshUntil.isAfter(clock.instant())) {
            entry.set(new Entry(token, freshUntil));
        }
        return token;
    }

    @Override
    public void evict(Token refused) {
        entry.updateAndGet(e -> e != null && e.token().value().equals(refused.value()) ? null : e);
        delegate.evict(refused);
    }

    /** How long a token may be served from this cache. */
    static Duration freshFor(Token token, Duration localTtl) {
        Duration lifetime = token.expiresIn();
        if (lifetime == null) {
            return localTtl;
        }
        Duration skew = lifetime.dividedBy(10).compareTo(MAX_SKEW) < 0 ? lifetime.dividedBy(10) : MAX_SKEW;
        Duration usable = lifetime.minus(skew);
        return usable.compareTo(localTtl) < 0 ? usable : localTtl;
    }
}
