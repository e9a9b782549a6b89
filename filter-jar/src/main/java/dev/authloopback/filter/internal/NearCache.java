package dev.authloopback.filter.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The in-process cache in front of the loopback ({@code local-ttl}, on by default). A filter always
 * sends the same token request, so one entry is all there is. An entry is fresh for
 * min(local-ttl, expires_in − min(60s, expires_in / 10)), the loopback's own skew rule, so it never
 * outlives the token.
 *
 * <p>When {@code local-ttl} ends while the token itself is still valid, one request asks the
 * loopback again and every other request keeps the current token meanwhile: without that, all
 * requests in flight at that moment (hundreds on a busy app) would ask the loopback at once, each
 * holding a request thread. If that one call fails, the still-valid token is kept and the next
 * request tries again.
 */
public final class NearCache implements TokenSource {

    static final Duration MAX_SKEW = Duration.ofSeconds(60);

    /** @param usableUntil when the token itself stops being usable (expires_in − skew); never before freshUntil */
    private record Entry(Token token, Instant freshUntil, Instant usableUntil) {
    }

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    private final TokenSource delegate;
    private final Duration localTtl;
    private final Clock clock;
    private final AtomicReference<Entry> entry = new AtomicReference<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();

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
        if (current == null) {
            // Concurrent cold misses each ask the loopback; it coalesces them into one upstream call.
            return fetch();
        }
        Instant now = clock.instant();
        if (now.isBefore(current.freshUntil())) {
            return current.token();
        }
        if (!now.isBefore(current.usableUntil())) {
            return fetch();
        }
        if (!refreshing.compareAndSet(false, true)) {
            return current.token();
        }
        try {
            return fetch();
        } catch (TokenUnavailableException e) {
            LOG.log(System.Logger.Level.WARNING, "Near cache: renewing {0} failed ({1}); it stays in use while it is valid",
                    current.token(), e.detail());
            return current.token();
        } finally {
            refreshing.set(false);
        }
    }

    private Token fetch() throws TokenUnavailableException {
        Token token = delegate.token();
        Instant freshUntil = token.fetchedAt().plus(freshFor(token, localTtl));
        Instant usableUntil = token.fetchedAt().plus(usableFor(token, localTtl));
        if (freshUntil.isAfter(clock.instant())) {
            entry.set(new Entry(token, freshUntil, usableUntil));
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
        Duration usable = usableFor(token, localTtl);
        return usable.compareTo(localTtl) < 0 ? usable : localTtl;
    }

    /** How long the token itself may be used: expires_in − skew; without expires_in, just local-ttl. */
    static Duration usableFor(Token token, Duration localTtl) {
        Duration lifetime = token.expiresIn();
        if (lifetime == null) {
            return localTtl;
        }
        Duration skew = lifetime.dividedBy(10).compareTo(MAX_SKEW) < 0 ? lifetime.dividedBy(10) : MAX_SKEW;
        return lifetime.minus(skew);
    }
}
