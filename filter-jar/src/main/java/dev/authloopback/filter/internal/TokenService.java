package dev.authloopback.filter.internal;

import java.lang.System.Logger.Level;
import java.time.Clock;

/**
 * What the servlet filter and the JAX-RS client filter share: validated settings, the loopback
 * client (owned: closed by {@link #close()}) and the near cache when {@code local-ttl} is on.
 */
public final class TokenService implements TokenSource, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    private final FilterSettings settings;
    private final LoopbackTokenClient client;
    private final TokenSource source;

    public TokenService(FilterSettings settings, Clock clock) {
        this.settings = settings;
        this.client = new LoopbackTokenClient(settings, clock);
        this.source = settings.localTtl().isZero() ? client : new NearCache(client, settings.localTtl(), clock);
    }

    public FilterSettings settings() {
        return settings;
    }

    @Override
    public Token token() throws TokenUnavailableException {
        try {
            return source.token();
        } catch (TokenUnavailableException e) {
            LOG.log(Level.WARNING, "No token: {0} ({1})", e.detail(), e.kind());
            throw e;
        }
    }

    /** Called when a token was refused with 401: drops it locally and, if enabled, at the loopback. */
    @Override
    public void evict(Token refused) {
        if (settings.evictOn401()) {
            source.evict(refused);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
